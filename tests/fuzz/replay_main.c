/*
 * Without libFuzzer: runs a fuzz target once over every file of its corpus
 * folder (and over a few built-in edge inputs), so that every crash the
 * fuzzer ever found stays a regression test.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int run_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf;
	long n;

	if (!f)
		return -1;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc(n > 0 ? (size_t)n : 1);
	if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n) {
		fclose(f);
		free(buf);
		return -1;
	}
	fclose(f);
	LLVMFuzzerTestOneInput(buf, (size_t)n);
	free(buf);
	return 0;
}

int main(int argc, char **argv)
{
	static const uint8_t edges[][4] = {{0}, {0x98}, {0xdf, 0xff, 0xff, 0xff}, {0xc4, 0xff}};
	int files = 0;
	size_t i;

	for (i = 0; i < sizeof(edges) / sizeof(edges[0]); i++)
		LLVMFuzzerTestOneInput(edges[i], i + 1);
	if (argc > 1) {
		DIR *d = opendir(argv[1]);
		struct dirent *de;
		char path[4096];

		while (d && (de = readdir(d))) {
			if (de->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path), "%s/%s", argv[1], de->d_name);
			if (run_file(path) == 0)
				files++;
		}
		if (d)
			closedir(d);
	}
	printf("replayed %d corpus files and %zu edge inputs\n", files, i);
	return 0;
}
