/*
 * A test shim, never linked into caltrace: a deterministic libsodium randombytes, preloaded by
 * scripts/demo_digest.sh so that two builds' demo runs sign with the same keys and compare by
 * their state digest. The stream depends on the process's command line (each `caltrace init
 * HOME` gets its own key). Deterministic randomness is unsafe for anything but this comparison.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sodium/crypto_hash_sha256.h>
static uint64_t counter;
static unsigned char seed[32];
static int ready;
static void init(void)
{
	char buf[4096]; size_t n = 0; FILE *f = fopen("/proc/self/cmdline", "rb");
	if (f) { n = fread(buf, 1, sizeof buf, f); fclose(f); }
	crypto_hash_sha256(seed, (unsigned char *)buf, n);
	ready = 1;
}
void randombytes_buf(void *const out, const size_t size)
{
	unsigned char block[32], in[40]; size_t done = 0;
	if (!ready) init();
	while (done < size) {
		memcpy(in, seed, 32); memcpy(in + 32, &counter, 8); counter++;
		crypto_hash_sha256(block, in, 40);
		size_t k = size - done < 32 ? size - done : 32;
		memcpy((unsigned char *)out + done, block, k); done += k;
	}
}
uint32_t randombytes_random(void) { uint32_t v; randombytes_buf(&v, 4); return v; }
uint32_t randombytes_uniform(const uint32_t upper) { return upper < 2 ? 0 : randombytes_random() % upper; }
