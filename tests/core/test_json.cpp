// parse_json / parse_ordered_json: the one JSON reader of mlp (RELIABILITY H1, M4). Depth limit
// exactly kMaxJsonDepth with the offending bracket's byte offset, duplicate keys at any level,
// syntax errors with their offset, and the typed error's fields.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "mlp/core/json.hpp"

namespace mlp {
namespace {

JsonError error_of(const std::string& text, const std::string& where = "f.json") {
  try {
    (void)parse_json(text, where);
  } catch (const JsonError& e) {
    return e;
  }
  ADD_FAILURE() << "accepted: " << text.substr(0, 80);
  return JsonError(where, JsonError::Kind::syntax, "", std::nullopt);
}

std::string nested(int levels) { return std::string(levels, '[') + std::string(levels, ']'); }

TEST(Json, ParsesOrdinaryDocumentsInBothFlavours) {
  const auto j = parse_json(R"({"b": [1, 2.5, "x", null, true], "a": {"c": {}}})", "f");
  EXPECT_EQ(j.at("b").size(), 5u);
  const auto o = parse_ordered_json(R"({"b": 1, "a": 2})", "f");
  EXPECT_EQ(o.begin().key(), "b");  // file order kept
}

TEST(Json, NestingIsLimitedToExactlyMaxDepth) {
  EXPECT_NO_THROW((void)parse_json(nested(kMaxJsonDepth), "f"));
  const JsonError e = error_of(nested(kMaxJsonDepth + 1));
  EXPECT_EQ(e.kind(), JsonError::Kind::too_deep);
  EXPECT_EQ(e.offset(), std::optional<std::size_t>(kMaxJsonDepth));  // the bracket opening level 65
  EXPECT_STREQ(e.what(), "f.json: JSON nests deeper than 64 levels at byte 64");
  EXPECT_EQ(e.code(), ExitCode::data);
  // 10^5 levels of arrays or objects, with spaces between: refused at the same bracket, quickly.
  EXPECT_EQ(error_of(nested(100000)).offset(), std::optional<std::size_t>(64));
  std::string objects;
  for (int i = 0; i < 100000; ++i) objects += " {\"k\": ";
  EXPECT_EQ(error_of(objects + "1").offset(), std::optional<std::size_t>(7 * 64 + 1));
  // Brackets inside strings are text.
  EXPECT_NO_THROW((void)parse_json("[\"" + std::string(1000, '[') + "\"]", "f"));
}

TEST(Json, DuplicateKeysAreRefusedAtEveryLevel) {
  const JsonError top = error_of(R"({"a": 1, "b": 2, "a": 3})", "model.mlp: metadata k");
  EXPECT_EQ(top.kind(), JsonError::Kind::duplicate_key);
  EXPECT_EQ(top.key(), "a");
  EXPECT_EQ(top.level(), 1);
  EXPECT_STREQ(top.what(), "model.mlp: metadata k: duplicate key 'a'");
  const JsonError inner = error_of(R"({"a": [{"x": 1}, {"y": 1, "y": 2}]})");
  EXPECT_EQ(inner.key(), "y");
  EXPECT_EQ(inner.level(), 2);
  // The same key in sibling objects is fine.
  EXPECT_NO_THROW((void)parse_json(R"([{"x": 1}, {"x": 2}])", "f"));
}

TEST(Json, SyntaxErrorsSayWhereAndWhat) {
  const JsonError e = error_of("[1, 2,, 3]");
  EXPECT_EQ(e.kind(), JsonError::Kind::syntax);
  EXPECT_EQ(e.offset(), std::optional<std::size_t>(6));
  const std::string what = e.what();
  EXPECT_EQ(what.rfind("f.json: invalid JSON: syntax error while parsing value", 0), 0u) << what;
  EXPECT_NE(what.find(" at byte 6"), std::string::npos) << what;
  EXPECT_EQ(error_of("").kind(), JsonError::Kind::syntax);
  EXPECT_EQ(error_of("{\"a\": 1} x").kind(), JsonError::Kind::syntax);
  EXPECT_EQ(error_of("[1e400]").kind(), JsonError::Kind::syntax);  // overflows a double
  EXPECT_EQ(error_of("[\"\xff\"]").kind(), JsonError::Kind::syntax);  // not UTF-8
}

}  // namespace
}  // namespace mlp
