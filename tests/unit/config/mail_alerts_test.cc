// notification_email, smtp_server and the smtp_alert switches, as keepalived's
// global_parser.c reads them and vrrp.c / check_data.c resolve them.
#include <catch2/catch.hpp>

#include "tests/unit/config/test_util.h"

namespace lvs::config {
namespace {

using testing::Lines;

ParseResult Parse(const std::string& text) { return testing::ParseValid(text, "m.conf"); }

const char* kObjects =
    "vrrp_sync_group G {\n group {\n VI_1\n }\n}\n"
    "vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 51\n virtual_ipaddress {\n "
    "10.0.0.100\n }\n}\n"
    "virtual_server 10.0.0.100 80 {\n real_server 10.0.0.2 80 {\n TCP_CHECK {\n }\n }\n}\n";

TEST_CASE("the mail settings of global_defs") {
  ParseResult r = Parse(
      "global_defs {\n"
      "  notification_email {\n    ops@example.com\n    oncall@example.com backup@example.com\n  "
      "}\n"
      "  notification_email_from lb@example.com\n"
      "  smtp_server 192.0.2.25 2525\n"
      "  smtp_helo_name lb1.example.com\n"
      "  smtp_connect_timeout 7\n"
      "  no_email_faults\n"
      "  no_checker_emails\n"
      "}\n");
  const v1::MailAlerts& m = r.config.global_defs().mail();
  CHECK(std::vector<std::string>(m.to().begin(), m.to().end()) ==
        std::vector<std::string>{"ops@example.com", "oncall@example.com", "backup@example.com"});
  CHECK(m.from() == "lb@example.com");
  CHECK(m.smtp_server() == "192.0.2.25");
  CHECK(m.smtp_port() == 2525);
  CHECK(m.helo_name() == "lb1.example.com");
  CHECK(m.connect_timeout_ms() == 7000);
  CHECK(m.no_email_faults());
  CHECK(r.diagnostics.empty());

  ParseResult plain = Parse("global_defs {\n smtp_server mail.example.com\n}\n");
  CHECK(plain.config.global_defs().mail().smtp_server() == "mail.example.com");
  CHECK(plain.config.global_defs().mail().smtp_port() == 25);
}

TEST_CASE("mail settings keepalived corrects or skips get a located warning") {
  ParseResult r = ParseString(
      "global_defs {\n smtp_connect_timeout 0\n smtp_server 192.0.2.25 99999\n notification_email "
      "{\n }\n}\n",
      "m.conf");
  REQUIRE(r.ok());
  CHECK(r.config.global_defs().mail().connect_timeout_ms() == 1000);
  CHECK(r.config.global_defs().mail().smtp_server().empty());
  CHECK(
      Lines(r) ==
      std::vector<std::string>{
          "2:23: smtp_connect_timeout: warning: must be greater than 0; 1 is used (as keepalived)",
          "3:25: smtp_server: warning: 99999 is out of range 1-65535; ignored (as keepalived)",
          "4:2: notification_email: warning: empty: no one gets alert mails (as keepalived)"});
}

TEST_CASE("smtp_alert resolves as keepalived's: own, then by kind, then global; reals default on") {
  ParseResult none = Parse(kObjects);
  CHECK_FALSE(none.config.vrrp_instances(0).smtp_alert());
  CHECK_FALSE(none.config.vrrp_sync_groups(0).smtp_alert());
  CHECK_FALSE(none.config.virtual_servers(0).smtp_alert());
  CHECK(none.config.virtual_servers(0).real_servers(0).smtp_alert());

  ParseResult all = Parse(std::string("global_defs {\n smtp_alert\n}\n") + kObjects);
  CHECK(all.config.vrrp_instances(0).smtp_alert());
  CHECK(all.config.vrrp_sync_groups(0).smtp_alert());
  CHECK(all.config.virtual_servers(0).smtp_alert());

  ParseResult by_kind = Parse(
      std::string(
          "global_defs {\n smtp_alert true\n smtp_alert_vrrp off\n smtp_alert_checker no\n}\n") +
      kObjects);
  CHECK_FALSE(by_kind.config.vrrp_instances(0).smtp_alert());
  CHECK_FALSE(by_kind.config.virtual_servers(0).smtp_alert());
  CHECK_FALSE(by_kind.config.virtual_servers(0).real_servers(0).smtp_alert());

  ParseResult own = Parse(
      "global_defs {\n smtp_alert off\n}\n"
      "vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 51\n smtp_alert\n "
      "virtual_ipaddress {\n"
      " 10.0.0.100\n }\n}\n"
      "virtual_server 10.0.0.100 80 {\n smtp_alert yes\n real_server 10.0.0.2 80 {\n smtp_alert\n "
      "TCP_CHECK {\n"
      " }\n }\n}\n");
  CHECK(own.config.vrrp_instances(0).smtp_alert());
  CHECK(own.config.virtual_servers(0).smtp_alert());
  CHECK(own.config.virtual_servers(0).real_servers(0).smtp_alert());
}

}  // namespace
}  // namespace lvs::config
