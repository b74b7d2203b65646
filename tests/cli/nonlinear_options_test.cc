// The nonlinear options' precedence: flags over the reference system's environment variables
// over the defaults, with one clear error for each kind of bad value. The environment is a map
// here, never the test process's own.
#include "cli/nonlinear_options.h"

#include <gtest/gtest.h>

#include <map>

#include "core/error.h"

namespace fss::cli {
namespace {

using Environment = std::map<std::string, std::string>;

NonlinearChoice resolve(const NonlinearFlags& flags, const Environment& environment = {}) {
  return resolve_nonlinear(flags, [&](const char* name) -> std::optional<std::string> {
    auto it = environment.find(name);
    if (it == environment.end()) return std::nullopt;
    return it->second;
  });
}

void expect_error(const NonlinearFlags& flags, const Environment& environment,
                  const std::string& needle) {
  try {
    resolve(flags, environment);
    FAIL() << "accepted; expected an error mentioning " << needle;
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kInvalidArgument);
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
  }
}

constexpr NonlinearFamily kSigma = NonlinearFamily::kSigma;
constexpr NonlinearFamily kSuf = NonlinearFamily::kSuf;

TEST(NonlinearOptions, DefaultIsSigmaEverywhereWithTheDocumentedParameters) {
  const NonlinearChoice choice = resolve({});
  EXPECT_EQ(choice.softmax, kSigma);
  EXPECT_EQ(choice.layernorm, kSigma);
  EXPECT_EQ(choice.activation, kSigma);
  EXPECT_EQ(choice.nexp_bits, 10);
  EXPECT_EQ(choice.inv_bits, 10);
  EXPECT_EQ(choice.rsqrt_bits, 9);
  EXPECT_EQ(choice.gelu_intervals, 256);
  EXPECT_EQ(choice.silu_intervals, 1024);
}

TEST(NonlinearOptions, NonlinearSufSwitchesEveryModule) {
  const NonlinearChoice choice = resolve({.family = "suf"});
  EXPECT_EQ(choice.softmax, kSuf);
  EXPECT_EQ(choice.layernorm, kSuf);
  EXPECT_EQ(choice.activation, kSuf);
}

TEST(NonlinearOptions, SufListSwitchesTheListedModulesOnly) {
  const NonlinearChoice choice = resolve({.suf_modules = "activation,softmax"});
  EXPECT_EQ(choice.softmax, kSuf);
  EXPECT_EQ(choice.layernorm, kSigma);
  EXPECT_EQ(choice.activation, kSuf);
}

TEST(NonlinearOptions, EnvironmentSwitchesOneModuleEach) {
  const NonlinearChoice choice = resolve({}, {{"SUF_LAYERNORM", "1"}, {"SUF_SOFTMAX", "0"}});
  EXPECT_EQ(choice.softmax, kSigma);
  EXPECT_EQ(choice.layernorm, kSuf);
  EXPECT_EQ(choice.activation, kSigma);
}

TEST(NonlinearOptions, FamilyFlagsWinOverTheEnvironment) {
  const Environment environment{{"SUF_SOFTMAX", "1"}, {"SUF_ACTIVATION", "1"}};
  const NonlinearChoice sigma = resolve({.family = "sigma"}, environment);
  EXPECT_EQ(sigma, NonlinearChoice{});
  const NonlinearChoice listed = resolve({.suf_modules = "layernorm"}, environment);
  EXPECT_EQ(listed.softmax, kSigma);
  EXPECT_EQ(listed.layernorm, kSuf);
  EXPECT_EQ(listed.activation, kSigma);
}

TEST(NonlinearOptions, BitsComeFromFlagThenEnvironmentThenDefault) {
  const Environment environment{
      {"SUF_NEXP_BITS", "8"}, {"SUF_INV_BITS", "12"}, {"SUF_RSQRT_BITS", "7"}};
  const NonlinearChoice from_environment = resolve({}, environment);
  EXPECT_EQ(from_environment.nexp_bits, 8);
  EXPECT_EQ(from_environment.inv_bits, 12);
  EXPECT_EQ(from_environment.rsqrt_bits, 7);
  const NonlinearChoice from_flags =
      resolve({.nexp_bits = 11, .rsqrt_bits = 10, .gelu_intervals = 64}, environment);
  EXPECT_EQ(from_flags.nexp_bits, 11);
  EXPECT_EQ(from_flags.inv_bits, 12);  // no flag: the environment's
  EXPECT_EQ(from_flags.rsqrt_bits, 10);
  EXPECT_EQ(from_flags.gelu_intervals, 64);
  EXPECT_EQ(from_flags.silu_intervals, 1024);
}

TEST(NonlinearOptions, BadValuesAreClearErrors) {
  expect_error({.family = "fast"}, {}, "--nonlinear fast");
  expect_error({.suf_modules = "softmax,attention"}, {}, "unknown module 'attention'");
  expect_error({.suf_modules = ""}, {}, "empty module list");
  expect_error({.suf_modules = "softmax,"}, {}, "unknown module ''");
  expect_error({}, {{"SUF_SOFTMAX", "yes"}}, "SUF_SOFTMAX=yes: expected 0 or 1");
  expect_error({}, {{"SUF_NEXP_BITS", "ten"}}, "SUF_NEXP_BITS=ten: expected an integer");
  expect_error({}, {{"SUF_INV_BITS", "10x"}}, "SUF_INV_BITS=10x: expected an integer");
  expect_error({}, {{"SUF_RSQRT_BITS", "4"}}, "SUF_RSQRT_BITS=4: out of range, expected 5..12");
  expect_error({.nexp_bits = 17}, {}, "--suf-nexp-bits 17: out of range, expected 1..16");
  expect_error({.silu_intervals = 1}, {}, "--suf-silu-intervals 1: out of range");
  // A valid flag hides a bad variable of the same parameter.
  EXPECT_EQ(resolve({.inv_bits = 9}, {{"SUF_INV_BITS", "junk"}}).inv_bits, 9);
}

// Every family per module and a few parameter values: describe() read back gives the same
// choice, and the flags of nonlinear_arguments() resolve to it whatever the environment says.
TEST(NonlinearOptions, DescriptionAndArgumentsRoundTrip) {
  const Environment hostile{{"SUF_SOFTMAX", "1"},    {"SUF_LAYERNORM", "1"},
                            {"SUF_ACTIVATION", "1"}, {"SUF_NEXP_BITS", "3"},
                            {"SUF_INV_BITS", "4"},   {"SUF_RSQRT_BITS", "6"}};
  for (int modules = 0; modules < 8; ++modules) {
    for (int parameters = 0; parameters < 2; ++parameters) {
      NonlinearChoice choice;
      choice.softmax = modules & 1 ? kSuf : kSigma;
      choice.layernorm = modules & 2 ? kSuf : kSigma;
      choice.activation = modules & 4 ? kSuf : kSigma;
      if (parameters == 1) {
        choice.nexp_bits = 12;
        choice.inv_bits = 7;
        choice.rsqrt_bits = 11;
        choice.gelu_intervals = 64;
        choice.silu_intervals = 4096;
      }
      SCOPED_TRACE(choice.describe());
      const NonlinearChoice parsed = parse_nonlinear_description(choice.describe(), "test");
      EXPECT_EQ(parsed.describe(), choice.describe());
      EXPECT_EQ(parsed.softmax, choice.softmax);
      EXPECT_EQ(parsed.layernorm, choice.layernorm);
      EXPECT_EQ(parsed.activation, choice.activation);
      std::vector<std::string> arguments = {"command"};
      for (const std::string& a : nonlinear_arguments(choice)) arguments.push_back(a);
      CLI::App app;
      NonlinearFlags flags;
      add_nonlinear_options(app, flags, /*with_families=*/true);
      std::vector<const char*> argv;
      for (const std::string& a : arguments) argv.push_back(a.c_str());
      app.parse(static_cast<int>(argv.size()), argv.data());
      EXPECT_EQ(resolve(flags, hostile), choice);
    }
  }
}

TEST(NonlinearOptions, DescriptionsThatAreNotCanonicalAreParseErrors) {
  const auto expect_parse_error = [](const std::string& text, const std::string& needle) {
    try {
      parse_nonlinear_description(text, "keys.fss");
      ADD_FAILURE() << "accepted '" << text << "'";
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::kParse) << text;
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find("keys.fss"), std::string::npos) << e.what();
    }
  };
  expect_parse_error("suf", "expected 'sigma' or");
  expect_parse_error("softmax=sigma layernorm=sigma activation=sigma", "not in canonical form");
  expect_parse_error("softmax=suf(nexp_bits=10) layernorm=sigma activation=sigma",
                     "softmax lacks inv_bits");
  expect_parse_error("softmax=suf(nexp_bits=x,inv_bits=10) layernorm=sigma activation=sigma",
                     "nexp_bits is not an integer");
  expect_parse_error("softmax=suf(nexp_bits=99,inv_bits=10) layernorm=sigma activation=sigma",
                     "out of range");
  expect_parse_error("layernorm=sigma softmax=suf(nexp_bits=10,inv_bits=10) activation=sigma",
                     "expected 'softmax=...'");
  expect_parse_error("softmax=fast layernorm=sigma activation=sigma", "neither sigma nor suf");
  expect_parse_error(
      "softmax=sigma layernorm=sigma activation=suf(gelu_intervals=256,"
      "silu_intervals=1024) extra",
      "expected 'sigma' or");
}

}  // namespace
}  // namespace fss::cli
