#include "lib/config/regex_options.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

namespace lvs::config {
namespace {

struct RegexOption {
  std::string_view name;
  uint32_t bit;
};

// keepalived 2.2.7's check_http.c regex_options[], in its order.
constexpr RegexOption kRegexOptions[] = {
    {"allow_empty_class", PCRE2_ALLOW_EMPTY_CLASS},
    {"alt_bsux", PCRE2_ALT_BSUX},
    {"auto_callout", PCRE2_AUTO_CALLOUT},
    {"caseless", PCRE2_CASELESS},
    {"dollar_endonly", PCRE2_DOLLAR_ENDONLY},
    {"dotall", PCRE2_DOTALL},
    {"dupnames", PCRE2_DUPNAMES},
    {"extended", PCRE2_EXTENDED},
    {"firstline", PCRE2_FIRSTLINE},
    {"match_unset_backref", PCRE2_MATCH_UNSET_BACKREF},
    {"multiline", PCRE2_MULTILINE},
    {"never_ucp", PCRE2_NEVER_UCP},
    {"never_utf", PCRE2_NEVER_UTF},
    {"no_auto_capture", PCRE2_NO_AUTO_CAPTURE},
    {"no_auto_possess", PCRE2_NO_AUTO_POSSESS},
    {"no_dotstar_anchor", PCRE2_NO_DOTSTAR_ANCHOR},
    {"no_start_optimize", PCRE2_NO_START_OPTIMIZE},
    {"ucp", PCRE2_UCP},
    {"ungreedy", PCRE2_UNGREEDY},
    {"utf", PCRE2_UTF},
    {"never_backslash_c", PCRE2_NEVER_BACKSLASH_C},
    {"alt_circumflex", PCRE2_ALT_CIRCUMFLEX},
    {"alt_verbnames", PCRE2_ALT_VERBNAMES},
    {"use_offset_limit", PCRE2_USE_OFFSET_LIMIT},
};

}  // namespace

std::optional<uint32_t> RegexOptionBit(std::string_view name) {
  for (const RegexOption& option : kRegexOptions) {
    if (option.name == name) return option.bit;
  }
  return std::nullopt;
}

std::optional<RegexError> CheckRegex(const std::string& pattern, uint32_t options) {
  int code = 0;
  PCRE2_SIZE offset = 0;
  pcre2_code* re = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(),
                                 options, &code, &offset, nullptr);
  if (re != nullptr) {
    pcre2_code_free(re);
    return std::nullopt;
  }
  PCRE2_UCHAR message[256];
  pcre2_get_error_message(code, message, sizeof message);
  return RegexError{offset, reinterpret_cast<const char*>(message)};
}

}  // namespace lvs::config
