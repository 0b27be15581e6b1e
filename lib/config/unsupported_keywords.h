// keepalived.conf(5) keywords that lvs-ha accepts but does not act on. A file that
// uses them still loads; each use draws one warning naming its line. The list is
// mirrored in lib/config/UNSUPPORTED.md (a unit test keeps the two in step).
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace lvs::config {

// The block a keyword appears in.
enum class Section {
  kTop,
  kGlobalDefs,
  kVrrpScript,
  kVrrpSyncGroup,
  kVrrpInstance,
  kAuthentication,
  kVirtualIpOption,  // words after the address in a virtual_ipaddress entry
  kVirtualServerGroup,
  kVirtualServer,
  kRealServer,
  kChecker,  // options common to all checkers
  kHttpCheck,
  kMiscCheck,
  kUrl,
  kPingCheck,
  kUdpCheck,
  kDnsCheck,
  kSmtpCheck,
  kSmtpHost,  // SMTP_CHECK's (deprecated) host sub-block
  kFileCheck,
  kTrackFile,  // the top-level track_file block
  kSsl,        // the top-level SSL block (SSL_GET's TLS files)
};

// A checker block that also takes the options common to all checkers (kChecker's).
bool TakesCommonCheckerOptions(Section section);

std::string SectionName(Section section);

struct UnsupportedKeyword {
  Section section;
  std::string_view name;
};

std::span<const UnsupportedKeyword> UnsupportedKeywords();

// A keyword keepalived once read and no longer does: its current parser skips it
// with a warning; so does lvs-ha, saying why and what replaced it.
struct ObsoleteKeyword {
  Section section;
  std::string_view name;
  std::string_view why;
  std::string_view replacement;  // empty: none, the keyword is just dropped
};
std::optional<ObsoleteKeyword> Obsolete(Section section, std::string_view name);

// Keywords of keepalived forks (DPVS) whose meaning stock keepalived and the kernel's
// IPVS do not have: "<what it is>", or nothing.
std::optional<std::string_view> ForkFeature(std::string_view name);
bool IsUnsupported(Section section, std::string_view name);
std::vector<std::string_view> UnsupportedNames(Section section);

}  // namespace lvs::config
