// Reading what lead-time inference needs from the database, and a model to
// and from its rows (prodplan.models.parameters, model_terms for ridge,
// model_trees for boosting). Shared by training, the data set and the
// prediction cache (pg/leadtime_functions.cpp).
//
// Every function here runs inside SPI from a plain frame (it can ereport);
// the C++ objects it fills are owned by the caller.
#pragma once

#include "core/leadtime/leadtime_model.h"
#include "core/leadtime/order_history.h"

#include <string>

namespace pp::pg {

// The plant's products (master data), routings, orders and operations.
// Operations of orders not in production_order are skipped.
void read_order_history(const char* who, Datum plant, pp::leadtime::OrderHistory* h);

// The model's rows as JSON for prodplan.store_leadtime_model: parameters,
// terms (ridge) and trees (boosting).
struct ModelRows {
  std::string parameters, terms, trees;
};
ModelRows model_rows(const pp::leadtime::LeadTimeModel& m);

// Reads model model_id back; false when it is not a leadtime model.
bool read_leadtime_model(const char* who, int64 model_id, pp::leadtime::LeadTimeModel* m);

}  // namespace pp::pg
