// Reduce on plateau, as PyTorch's ReduceLROnPlateau(mode="min", threshold_mode="rel"):
//   improvement:  cost < best·(1 − threshold)   (the first epoch always improves; NaN never)
//   after more than `patience` epochs without improvement:  α := max(factor·α, min_lr),
//   the count restarts and `cooldown` epochs follow during which bad epochs do not count.
// A change smaller than 1e-8 is not made (as PyTorch). factor = 0.1, patience = 3,
// threshold = 1e-4, min_lr = 0 by default.
#include <algorithm>
#include <cmath>

#include "../schedule_impl.hpp"

namespace mlp::optim::detail {
namespace {

constexpr Setting kSettings[] = {
    {"factor", Setting::Kind::real, 0.1, kUnitOpen, "new lr = factor * lr on a plateau"},
    {"patience", Setting::Kind::integer, 3.0, Interval{0.0, false, kMaxEpochs, false},
     "epochs without improvement of the dev cost tolerated before reducing"},
    {"threshold", Setting::Kind::real, 1e-4, kUnitOpenRight,
     "relative improvement that counts: cost < best (1 - threshold)"},
    min_lr_setting(),
    warmup_epochs_setting(),
    warmup_start_setting(),
};

bool end_epoch(const ScheduleOptions& o, PlateauState& st, double dev_cost) {
  const bool improved =
      std::isfinite(dev_cost) && (!st.best || dev_cost < *st.best * (1.0 - *o.threshold));
  if (improved) {
    st.best = dev_cost;
    st.bad_epochs = 0;
  } else {
    ++st.bad_epochs;
  }
  if (st.cooldown_left > 0) {
    --st.cooldown_left;
    st.bad_epochs = 0;  // bad epochs during the cooldown do not count
  }
  if (st.bad_epochs > *o.patience) {
    const double reduced = std::max(st.lr * *o.factor, *o.min_lr);
    st.cooldown_left = o.cooldown;
    st.bad_epochs = 0;
    // As PyTorch: a change smaller than 1e-8 is not made.
    if (st.lr - reduced > 1e-8) {
      st.lr = reduced;
      return true;
    }
  }
  return false;
}

}  // namespace

constinit const ScheduleRule rule_plateau{
    "reduce on plateau: lr := max(factor lr, min_lr) after more than `patience` epochs "
    "without improvement of the dev cost",
    kSettings, nullptr, &end_epoch};

}  // namespace mlp::optim::detail
