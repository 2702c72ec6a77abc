// A model with categorical inputs (Preprocessing::categorical): its categories travel in the
// model file (mlp.preprocessing "categorical" + the tensor categorical.sizes), so that
// prediction encodes as training did; files without categorical inputs are unchanged.
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "mlp/core/error.hpp"
#include "mlp/io/model.hpp"
#include "mlp/io/safetensors.hpp"

namespace mlp {
namespace {

Model categorical_model(data::UnknownCategory unknown = data::UnknownCategory::ignore) {
  // Inputs: size, color=blue, color=red, plan=a, plan=b.
  Network<float> net(ModelBuilder(5).output(2, Activation::softmax).loss(Loss::cross_entropy).seed(3).build());
  Preprocessing pre;
  pre.task = data::Task::classification;
  pre.class_names = {"no", "yes"};
  pre.target_names = {"y"};
  pre.categorical = data::OneHotEncoder({{"color", {"blue", "red"}}, {"plan", {"a", "b"}}}, unknown);
  pre.feature_names = {"size", "color=blue", "color=red", "plan=a", "plan=b"};
  pre.features = data::Standardizer({1.0f, 0, 0, 0, 0}, {2.0f, 1, 1, 1, 1});
  return Model(std::move(net), std::move(pre));
}

TEST(CategoricalModel, CategoriesRoundTripThroughTheFile) {
  const Model m = categorical_model(data::UnknownCategory::error);
  const io::Container c = io::parse(io::serialize(m.to_container()), "m.mlp");
  const Model back = Model::from_container(c, "m.mlp");
  EXPECT_EQ(back.preprocessing().categorical.features(), m.preprocessing().categorical.features());
  EXPECT_EQ(back.preprocessing().categorical.unknown(), data::UnknownCategory::error);
  const data::CsvSchema s = back.preprocessing().csv_schema();
  EXPECT_EQ(s.feature_names, std::vector<std::string>{"size"});
  EXPECT_EQ(s.categorical_names, (std::vector<std::string>{"color", "plan"}));
}

TEST(CategoricalModel, AModelWithoutCategoricalInputsWritesNoTraceOfThem) {
  Network<float> net(ModelBuilder(2).output(1, Activation::identity).loss(Loss::mse).seed(3).build());
  Preprocessing pre;
  pre.feature_names = {"a", "b"};
  const io::Container c = Model(std::move(net), std::move(pre)).to_container();
  EXPECT_EQ(c.metadata.at("mlp.preprocessing").find("categorical"), std::string::npos);
  EXPECT_EQ(c.find("categorical.sizes"), nullptr);
}

TEST(CategoricalModel, PredictionEncodesAndCountsUnseenCategoriesPerColumn) {
  Model m = categorical_model();
  std::vector<std::string> warnings;
  std::size_t rows = 0;
  const std::string input = "plan,color,size\na,red,1\nc,green,2\nb,blue,3\nz,red,4\n";
  m.predict_csv_text(input, "in.csv", 2, [&](const MatrixF& P, std::size_t) { rows += static_cast<std::size_t>(P.cols()); },
                     [&](const std::string& w) { warnings.push_back(w); });
  EXPECT_EQ(rows, 4u);
  ASSERT_EQ(warnings.size(), 2u);  // counted over both blocks, one warning per column
  EXPECT_NE(warnings[0].find("column 'color': 1 row with categories not seen in training"), std::string::npos) << warnings[0];
  EXPECT_NE(warnings[1].find("column 'plan': 2 rows with categories not seen in training"), std::string::npos) << warnings[1];
  // The same rows encoded by hand give the same probabilities.
  MatrixF X(5, 1);
  X << 1, 0, 1, 1, 0;
  MatrixF first;
  m.predict_csv_text("plan,color,size\na,red,1\n", "in.csv", 10, [&](const MatrixF& P, std::size_t) { first = P; });
  EXPECT_EQ(first, m.predict(X));
}

TEST(CategoricalModel, UnknownCategoryErrorNamesTheCell) {
  Model m = categorical_model(data::UnknownCategory::error);
  try {
    m.predict_csv_text("plan,color,size\na,red,1\nb,green,2\n", "in.csv", 10, [](const MatrixF&, std::size_t) {});
    FAIL() << "no error";
  } catch (const DataError& e) {
    EXPECT_NE(std::string(e.what()).find("in.csv:3:3: error: column 'color': category 'green' was not seen in training"),
              std::string::npos) << e.what();
  }
}

TEST(CategoricalModel, InconsistentCategoriesAreRefused) {
  io::Container c = categorical_model().to_container();
  // categorical.sizes that disagree with the metadata.
  for (auto& t : c.tensors) {
    if (t.name == "categorical.sizes") {
      const float three = 3.0f;
      std::memcpy(t.bytes.data(), &three, sizeof three);
    }
  }
  EXPECT_THROW((void)Model::from_container(c, "m.mlp"), DataError);
  // One-hot names that are not the last inputs.
  Network<float> net(ModelBuilder(5).output(2, Activation::softmax).loss(Loss::cross_entropy).build());
  Preprocessing pre;
  pre.task = data::Task::classification;
  pre.class_names = {"no", "yes"};
  pre.categorical = data::OneHotEncoder({{"color", {"blue", "red"}}});
  pre.feature_names = {"color=blue", "color=red", "a", "b", "c"};
  EXPECT_THROW(Model(std::move(net), std::move(pre)), ShapeError);
  EXPECT_THROW(data::OneHotEncoder({{"color", {"a", "a"}}}), DataError);
}

}  // namespace
}  // namespace mlp
