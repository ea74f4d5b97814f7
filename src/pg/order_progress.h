// prodplan.order_progress after a bulk write of operations. Plain PostgreSQL
// code over SPI (the caller is connected): call it only from frames without
// live C++ objects (it can ereport).
#pragma once

namespace pp::pg {

// Brings prodplan.order_progress up to date in the caller's transaction
// (prodplan.apply_order_progress), so the first reads after a load take each
// order's progress by key rather than counting the orders the load touched
// live. Does nothing when the installed SQL predates 0.13.0, and returns at
// once when another transaction is applying (the built-in job "prodplan.order
// progress" then takes the keys within a minute; readers are exact meanwhile).
void apply_order_progress_after_load(const char* who);

}  // namespace pp::pg
