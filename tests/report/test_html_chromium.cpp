// The HTML report as a browser sees it: headless Chromium loads the file (no network), dumps
// the DOM it built, and takes a screenshot. Skipped when /usr/bin/chromium is absent.
#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <unistd.h>

#include <gtest/gtest.h>

#include "mlp/report/html.hpp"

namespace mlp::report {
namespace {

namespace fs = std::filesystem;
const char* const kChromium = "/usr/bin/chromium";

/// A fresh directory under the test temp dir, removed at the end of the test.
class TempDir {
 public:
  TempDir() {
    std::string templ = (fs::path(::testing::TempDir()) / "mlp_report_XXXXXX").string();
    if (!::mkdtemp(templ.data())) throw std::runtime_error("mkdtemp failed");
    path_ = templ;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  [[nodiscard]] const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

/// Runs a shell command, returns its standard output (stderr discarded) and exit status.
std::pair<std::string, int> run(const std::string& command) {
  std::string out;
  FILE* pipe = ::popen((command + " 2>/dev/null").c_str(), "r");
  if (!pipe) return {"", -1};
  std::array<char, 4096> buf{};
  std::size_t n = 0;
  while ((n = std::fread(buf.data(), 1, buf.size(), pipe)) > 0) out.append(buf.data(), n);
  const int status = ::pclose(pipe);
  return {out, status};
}

std::string chromium_command(const fs::path& profile, const std::string& action, const fs::path& page) {
  return std::string("timeout 120 ") + kChromium +
         " --headless --no-sandbox --disable-gpu --disable-quic --no-first-run"
         " --disable-background-networking --disable-component-update --disable-sync"
         " --user-data-dir='" + profile.string() + "' " + action + " 'file://" + page.string() + "'";
}

std::vector<EpochMetrics> history() {
  const auto log = read_metrics_jsonl(MLP_TEST_DATA_DIR "/report/overfitting_classifier.metrics.jsonl");
  auto h = log.history;
  h[8].dev->loss = std::numeric_limits<double>::quiet_NaN();  // a gap must not break the page
  return h;
}

std::vector<std::string> slice_names() {
  return read_metrics_jsonl(MLP_TEST_DATA_DIR "/report/overfitting_classifier.metrics.jsonl").slice_names;
}

TEST(HtmlInChromium, DomHasTheFourChartsAndTheScreenshotIsAPng) {
  if (!fs::exists(kChromium)) GTEST_SKIP() << kChromium << " is not installed";
  TempDir dir;
  const auto h = history();
  ReportInfo info;
  info.title = "chromium check <script>document.title='x'</script>";
  info.model_summary = {"architecture: 784 -> 128 relu -> 64 relu -> 10 softmax"};
  const fs::path page = dir.path() / "report.html";
  write_report_html(page, h, slice_names(), diagnose(h, slice_names()), info);

  const auto [dom, status] = run(chromium_command(dir.path() / "profile1", "--dump-dom", page));
  ASSERT_EQ(status, 0) << "chromium --dump-dom failed";
  ASSERT_FALSE(dom.empty());
  for (const char* id : {"chart-cost", "chart-accuracy", "chart-lr", "chart-grad-norms"}) {
    const auto start = dom.find(std::string("<svg id=\"") + id + "\"");
    ASSERT_NE(start, std::string::npos) << id << " not in the DOM";
    const auto end = dom.find("</svg>", start);
    ASSERT_NE(end, std::string::npos) << id;
    const std::string svg = dom.substr(start, end - start);
    EXPECT_NE(svg.find("<polyline"), std::string::npos) << id;
    EXPECT_NE(svg.find("<title"), std::string::npos) << id;
  }
  // The escaped title stayed text: no script element was created.
  EXPECT_EQ(dom.find("<script"), std::string::npos);
  EXPECT_NE(dom.find("&lt;script&gt;"), std::string::npos);

  const fs::path png = dir.path() / "report.png";
  const auto [shot_out, shot_status] = run(chromium_command(
      dir.path() / "profile2", "--screenshot='" + png.string() + "' --window-size=1200,2000", page));
  ASSERT_EQ(shot_status, 0) << "chromium --screenshot failed";
  ASSERT_TRUE(fs::exists(png));
  EXPECT_GT(fs::file_size(png), 10000u);  // a page with four charts, not a blank image
  std::ifstream in(png, std::ios::binary);
  std::array<unsigned char, 8> magic{};
  in.read(reinterpret_cast<char*>(magic.data()), magic.size());
  const std::array<unsigned char, 8> expected = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  EXPECT_EQ(magic, expected);
  if (const char* keep = std::getenv("MLP_REPORT_SCREENSHOT")) fs::copy_file(png, keep, fs::copy_options::overwrite_existing);
}

}  // namespace
}  // namespace mlp::report
