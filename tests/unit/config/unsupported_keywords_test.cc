// Every keyword on the compatibility list loads with exactly one warning naming its
// line, and UNSUPPORTED.md lists exactly the table.
#include "lib/config/unsupported_keywords.h"

#include <catch2/catch.hpp>
#include <fstream>
#include <set>

#include "tests/unit/config/test_util.h"

namespace lvs::config {
namespace {

constexpr char kInstance[] =
    "vrrp_instance VI {\n"
    "    interface eth0\n"
    "    virtual_router_id 1\n"
    "    virtual_ipaddress {\n"
    "        10.0.0.1%s\n"  // line 5: virtual address options go here
    "    }\n"
    "%s"  // line 7: instance keywords go here
    "}\n";

// A config holding `keyword` in `section`, and the line it lands on.
std::pair<std::string, uint32_t> ConfigWith(Section section, std::string_view keyword) {
  const std::string k(keyword);
  auto instance = [](const std::string& vip_option, const std::string& body) {
    char buf[512];
    std::snprintf(buf, sizeof(buf), kInstance, vip_option.c_str(), body.c_str());
    return std::string(buf);
  };
  const std::string vs_open = "virtual_server 10.0.0.1 80 {\n";  // line 1
  switch (section) {
    case Section::kTop: return {k + " x\n", 1};
    case Section::kGlobalDefs: return {"global_defs {\n    " + k + " x\n}\n", 2};
    case Section::kVrrpScript:
      return {"vrrp_script s {\n    script /bin/true\n    " + k + "\n}\n", 3};
    case Section::kVrrpSyncGroup:
      return {"vrrp_sync_group G {\n    group {\n        VI\n    }\n    " + k + " x\n}\n" +
                  instance("", ""),
              5};
    case Section::kVrrpInstance: return {instance("", "    " + k + " x\n"), 7};
    case Section::kVirtualIpOption: return {instance(" " + k, ""), 5};
    case Section::kVirtualServer:
      return {vs_open + "    " + k + " x\n    real_server 10.0.0.2 80 {\n    }\n}\n", 2};
    case Section::kRealServer:
      return {vs_open + "    real_server 10.0.0.2 80 {\n        " + k + " x\n    }\n}\n", 3};
    case Section::kChecker:
      return {vs_open + "    real_server 10.0.0.2 80 {\n        TCP_CHECK {\n            " + k +
                  " x\n        }\n    }\n}\n",
              4};
    case Section::kHttpCheck:
    case Section::kUrl:
      return {vs_open +
                  "    real_server 10.0.0.2 80 {\n        HTTP_GET {\n            url {\n"
                  "                path /\n" +
                  (section == Section::kUrl ? "                " + k + " x\n" : "") +
                  "            }\n" +
                  (section == Section::kHttpCheck ? "            " + k + " x\n" : "") +
                  "        }\n    }\n}\n",
              section == Section::kUrl ? 6u : 7u};
    default: break;
  }
  FAIL("no template for section " << SectionName(section));
  return {};
}

TEST_CASE("each unsupported keyword is accepted with one warning naming its line") {
  REQUIRE(UnsupportedKeywords().size() >
          100);  // the list is read (its length shrinks as keywords are implemented)
  for (const UnsupportedKeyword& entry : UnsupportedKeywords()) {
    const auto [text, line] = ConfigWith(entry.section, entry.name);
    INFO(SectionName(entry.section) << ": " << entry.name << "\n" << text);
    ParseResult r = ParseString(text, "compat.conf");
    INFO(FormatDiagnostics(r.diagnostics));
    CHECK(r.ok());
    // A checker kind lvs-ha does not run also leaves its real server unchecked: that
    // is said once more, on the real_server.
    std::vector<v1::Diagnostic> own;
    for (const v1::Diagnostic& d : r.diagnostics) {
      if (d.keyword() == entry.name) {
        own.push_back(d);
      } else {
        CHECK(entry.section == Section::kRealServer);
        CHECK(d.message().find("will never be checked") != std::string::npos);
      }
    }
    REQUIRE(own.size() == 1);
    const v1::Diagnostic& d = own[0];
    CHECK(d.severity() == v1::Diagnostic::WARNING);
    CHECK(d.location().line() == line);
    CHECK(d.keyword() == entry.name);
    CHECK(d.message().find("has no effect in lvs-ha") != std::string::npos);
  }
}

TEST_CASE("an unsupported block is skipped whole, whatever it holds") {
  ParseResult r = ParseString(
      "global_defs {\n"
      "    snmp_socket udp:127.0.0.1:705\n"
      "}\n"
      "static_routes {\n"
      "    10.0.0.0/8 via 192.168.1.254\n"
      "    not { even keywords }\n"
      "}\n"
      "static_ipaddress {\n"
      "    192.168.1.1/24 dev eth0 scope global\n"
      "}\n",
      "skip.conf");
  CHECK(r.ok());
  CHECK(testing::Lines(r) ==
        std::vector<std::string>{
            "2:5: snmp_socket: warning: has no effect in lvs-ha; ignored",
            "4:1: static_routes: warning: has no effect in lvs-ha; ignored with its block",
            "8:1: static_ipaddress: warning: has no effect in lvs-ha; ignored with its block"});
}

TEST_CASE("UNSUPPORTED.md lists exactly the table, under the right headings") {
  std::ifstream in(std::string(LVS_SOURCE_DIR) + "/lib/config/UNSUPPORTED.md");
  REQUIRE(in.good());
  std::set<std::string> sections;
  for (const UnsupportedKeyword& entry : UnsupportedKeywords()) {
    sections.insert(SectionName(entry.section));
  }
  // Bullets "- `name`" under a "## <section>" heading; other headings are prose.
  std::set<std::pair<std::string, std::string>> documented;
  std::string heading;
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("## ", 0) == 0) heading = line.substr(3);
    if (sections.count(heading) && line.rfind("- `", 0) == 0) {
      const size_t end = line.find('`', 3);
      documented.emplace(heading, line.substr(3, end - 3));
    }
  }
  std::set<std::pair<std::string, std::string>> table;
  for (const UnsupportedKeyword& entry : UnsupportedKeywords()) {
    table.emplace(SectionName(entry.section), std::string(entry.name));
  }
  CHECK(documented == table);
}

}  // namespace
}  // namespace lvs::config
