#ifndef SWIFTEV_ALLOCATION_COUNTER_H
#define SWIFTEV_ALLOCATION_COUNTER_H

#include <stdbool.h>
#include <stdint.h>

// Counts heap allocations in the test process, for the allocation regression tests.
// Linked into the test bundle only: it interposes malloc & co. for the whole process.

/// False in sanitizer builds, whose runtime owns malloc (the counter then counts nothing).
bool swiftev_allocation_counter_available(void);
/// Resets the count and starts counting allocations on every thread.
void swiftev_allocation_counter_start(void);
/// Stops counting; returns the allocations since `start`.
uint64_t swiftev_allocation_counter_stop(void);
/// Bytes requested by the allocations counted since `start` (a realloc counts its new size):
/// for tests that a large value is copied into storage of its size once, not grown by doubling.
uint64_t swiftev_allocation_counter_bytes(void);

#endif
