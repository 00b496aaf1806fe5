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

#endif
