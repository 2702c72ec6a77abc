// The data pipeline in one include: CSV and IDX loading, splits, standardization, batches.
#pragma once

#include "mlp/data/batcher.hpp"
#include "mlp/data/csv.hpp"
#include "mlp/data/dataset.hpp"
#include "mlp/data/idx.hpp"
#include "mlp/data/split.hpp"
#include "mlp/data/standardizer.hpp"
