// prodplan.max_concurrent_heavy: at most that many heavy calls (planning;
// later what-if, simulation, training) run at once in the whole cluster.
// A call that finds them all taken waits (woken as soon as one ends) up to
// prodplan.heavy_wait_ms, then fails with an error saying why.
//
// Protocol: a counter in shared memory under a spinlock, and a condition
// variable the waiters sleep on. A backend holds at most one slot; it gives
// it back in heavy_leave() (its callers call it from PG_FINALLY) and, should
// it die first, from a before_shmem_exit callback. Without
// shared_preload_libraries there is no shared memory and no limit (calls
// run at once, as before).
#pragma once

namespace pp::pg {

void heavy_request_shmem();  // from shmem_request_hook
void heavy_startup_shmem();  // from shmem_startup_hook

// Waits for a slot; raises an ERROR (call from a plain PostgreSQL frame)
// after prodplan.heavy_wait_ms. `what` names the call in the error.
void heavy_enter(const char* what);
// Gives the slot back, if this backend holds one; never raises.
void heavy_leave();

}  // namespace pp::pg
