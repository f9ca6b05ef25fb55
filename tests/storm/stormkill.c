/* SPDX-License-Identifier: Apache-2.0 */
/*
 * stormkill MAX_US SEED CMD [ARG...]: run CMD (stdin/stdout inherited) and SIGKILL it after a
 * random 0..MAX_US microseconds unless it exits first.  Prints "killed" or "exited N" on stderr
 * and exits 0 either way (the storm's outcome is checked from outside, not by the victim's code).
 * A bash `sleep` costs a fork+exec of its own (~1 ms), too coarse to land inside a 3 ms ADD.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct timespec ts;
	unsigned long max_us, us;
	unsigned int seed;
	int status;
	pid_t pid;

	if (argc < 4) {
		fprintf(stderr, "usage: stormkill MAX_US SEED CMD [ARG...]\n");
		return 2;
	}
	max_us = strtoul(argv[1], NULL, 10);
	seed = (unsigned int)strtoul(argv[2], NULL, 10);
	us = max_us ? (unsigned long)rand_r(&seed) % max_us : 0;
	pid = fork();
	if (pid < 0) {
		perror("stormkill: fork");
		return 1;
	}
	if (pid == 0) {
		execvp(argv[3], argv + 3);
		_exit(127);
	}
	ts.tv_sec = (time_t)(us / 1000000);
	ts.tv_nsec = (long)(us % 1000000) * 1000;
	nanosleep(&ts, NULL);
	kill(pid, SIGKILL);
	if (waitpid(pid, &status, 0) != pid)
		return 1;
	if (WIFSIGNALED(status))
		fprintf(stderr, "killed after %lu us\n", us);
	else
		fprintf(stderr, "exited %d\n", WEXITSTATUS(status));
	return 0;
}
