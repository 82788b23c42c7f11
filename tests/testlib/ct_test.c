#include <errno.h>
#include <ftw.h>
#include <time.h>
#include <unistd.h>

#include "ct_test.h"

uint64_t ct_test_seed(const char *test_name)
{
	const char *env = getenv("CT_TEST_SEED");
	uint64_t seed;

	if (env && *env)
		seed = strtoull(env, NULL, 10);
	else
		seed = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 16);
	fprintf(stderr, "%s: seed %llu (CT_TEST_SEED=%llu repeats it)\n", test_name,
		(unsigned long long)seed, (unsigned long long)seed);
	return seed;
}

uint64_t ct_test_rand(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

char *ct_test_tmpdir(void)
{
	const char *base = getenv("TMPDIR");
	char *path;

	if (!base || !*base)
		base = "/tmp";
	if (asprintf(&path, "%s/ct-test-XXXXXX", base) < 0)
		return NULL;
	if (!mkdtemp(path)) {
		free(path);
		return NULL;
	}
	return path;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	remove(path);
	return 0;
}

void ct_test_rm_rf(const char *path)
{
	if (path)
		nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

int ct_test_read_file(const char *path, ct_buf *out)
{
	FILE *f = fopen(path, "rb");
	uint8_t chunk[65536];
	size_t n;

	out->len = 0;
	if (!f)
		return -1;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		if (ct_buf_put(out, chunk, n) < 0) {
			fclose(f);
			return -1;
		}
	}
	fclose(f);
	return 0;
}

const char *ct_test_vector_path(const char *rel)
{
	static char path[4096];

	snprintf(path, sizeof(path), "%s/%s", CT_VECTORS_DIR, rel);
	return path;
}

ct_keypair *ct_test_keypair(int n)
{
	uint8_t seed[32];
	ct_keypair *kp = NULL;

	memset(seed, n & 0xff, sizeof(seed));
	seed[0] = (uint8_t)(n >> 8);
	if (ct_keypair_from_seed(&kp, seed) < 0)
		return NULL;
	return kp;
}
