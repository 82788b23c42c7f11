/*
 * LD_PRELOAD shim for tests/integration/node_control_socket.sh: chmod() of
 * a path ending in ".sock" waits 1.5 s before doing it, so that a test can
 * see the mode a socket file had between its creation and the chmod (the
 * window a local user could connect in).
 */
#include <dlfcn.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int chmod(const char *path, mode_t mode)
{
	int (*real)(const char *, mode_t) = (int (*)(const char *, mode_t))dlsym(RTLD_NEXT, "chmod");
	size_t n = strlen(path);

	if (n >= 5 && strcmp(path + n - 5, ".sock") == 0)
		usleep(1500000);
	return real(path, mode);
}
