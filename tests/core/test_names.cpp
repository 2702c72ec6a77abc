// nearest_name / did_you_mean (core/names.hpp): the closest candidate within max(2, |name|/3)
// edits, the first of equally close ones, none when nothing is that close.
#include <gtest/gtest.h>

#include <string_view>
#include <vector>

#include "mlp/core/names.hpp"

namespace mlp {
namespace {

const std::vector<std::string_view> kCommands{"train", "eval", "predict", "gradcheck", "diagnose", "cv"};

TEST(Names, NearestWithinTheDistance) {
  EXPECT_EQ(nearest_name("trian", kCommands), std::optional<std::string_view>("train"));
  EXPECT_EQ(nearest_name("predcit", kCommands), std::optional<std::string_view>("predict"));
  EXPECT_EQ(nearest_name("evl", kCommands), std::optional<std::string_view>("eval"));
  EXPECT_EQ(nearest_name("frobnicate", kCommands), std::nullopt);
  EXPECT_EQ(nearest_name("x", std::vector<std::string_view>{}), std::nullopt);
}

TEST(Names, DidYouMeanUsesTheNearest) {
  EXPECT_EQ(did_you_mean("trian", kCommands), " (did you mean 'train'?)");
  EXPECT_EQ(did_you_mean("frobnicate", kCommands), "");
}

}  // namespace
}  // namespace mlp
