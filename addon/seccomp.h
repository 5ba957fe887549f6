/* hezi.node: seccomp (libseccomp via dlopen) and fd passing; see seccomp.cc. */
#ifndef HEZI_SECCOMP_H
#define HEZI_SECCOMP_H

#include <napi.h>

/* Adds seccompInfo, seccompCompile, seccompResolve, seccompProbeAction, seccompProbeFlags, sendFds (connecting is term.cc's connectUnix). */
void RegisterSeccomp(Napi::Env env, Napi::Object exports);

#endif
