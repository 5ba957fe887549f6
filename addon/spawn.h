/*
 * Mechanism for spawnInit: no N-API here, only syscalls. binding.cc turns the result into JS.
 */
#ifndef HEZI_SPAWN_H
#define HEZI_SPAWN_H

#include <stddef.h>
#include <stdint.h>

struct hz_spawn_result {
  int pid;          /* the child's pid (on success) */
  int sync_fd;      /* the runtime's end of the sync socket, CLOEXEC (on success) */
  int err;          /* errno of the failing step, 0 on success */
  const char *call; /* the name of the failing syscall, static string */
  int into_cgroup;  /* 1: the child was born in the cgroup2 directory cgroup_fd (CLONE_INTO_CGROUP) */
};

/*
 * Start the init as a new child process: `init_image` (init_len bytes, when not NULL) or else the
 * file `init_path`, through a sealed memfd copy (a file's copy is cached per path/inode/mtime), as a new child
 * process with the plan in a sealed memfd. See src/native/addon.ts for the fd layout: the
 * `n_extra` fds in extra_fds (console socket, ...) land at 5 + preserve_fds onwards.
 * Waits until the child has exec'd the init (or failed to): an exec failure comes back as
 * err/call with the child already reaped.
 * cgroup_fd >= 0 (a cgroup2 directory): the child is born there (clone3 CLONE_INTO_CGROUP, no
 * migration); into_cgroup says whether it was (0 where the kernel has no clone3 or no
 * CLONE_INTO_CGROUP: the caller then moves it).
 */
void hz_spawn_init(const char *init_path, const uint8_t *init_image, size_t init_len, const uint8_t *plan, size_t plan_len, const int stdio[3], int preserve_fds,
                   const int *extra_fds, int n_extra, int cgroup_fd, struct hz_spawn_result *out);

/* most extra fds (after the plan fd: 5 + preserve_fds, 6 + preserve_fds, ...) spawnInit takes */
#define HZ_SPAWN_MAX_EXTRA 4

#endif
