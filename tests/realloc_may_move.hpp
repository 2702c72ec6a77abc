// MLP_REALLOC_MAY_MOVE: defined under a sanitizer, whose realloc always moves a block; elsewhere
// (glibc) shrinking one keeps it where it is, which the "held once" tests check by address.
#pragma once

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define MLP_REALLOC_MAY_MOVE 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) || __has_feature(memory_sanitizer)
#define MLP_REALLOC_MAY_MOVE 1
#endif
#endif
