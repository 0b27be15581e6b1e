#include "services/checkd/target_spec.h"

#include <catch2/catch.hpp>

namespace lvs::checkd {
namespace {

v1::CheckTarget Base() {
  v1::CheckTarget t;
  t.set_id("TCP 192.168.64.100:80 -> 192.168.64.143:80");
  t.set_address("192.168.64.143");
  t.set_port(80);
  t.set_delay_loop_ms(6000);
  return t;
}

TEST_CASE("the seed's TCP_CHECK gets keepalived's defaults") {
  v1::CheckTarget t = Base();
  auto* c = t.add_checkers();
  c->mutable_tcp();
  c->set_connect_timeout_ms(3000);
  auto spec = TargetSpec::FromProto(t);
  REQUIRE(spec.ok());
  const CheckerSpec& cs = spec->checkers.at(0);
  CHECK(cs.kind == CheckKind::kTcp);
  CHECK(cs.connect_ip == "192.168.64.143");
  CHECK(cs.connect_port == 80);
  CHECK(cs.connect_timeout == absl::Seconds(3));
  CHECK(cs.retry.retry == 1);
  CHECK(cs.retry.delay_before_retry == absl::Seconds(1));
  CHECK(cs.retry.delay_loop == absl::Seconds(6));
  CHECK(cs.warmup == absl::Seconds(6));
  CHECK_FALSE(cs.alpha);
}

TEST_CASE("nb_get_retry / retry, explicit zero, connect_ip and port overrides") {
  v1::CheckTarget t = Base();
  t.set_alpha(true);
  auto* c = t.add_checkers();
  c->mutable_tcp();
  c->set_retry(0);
  c->set_retry_set(true);
  c->set_connect_ip("2001:DB8::1");
  c->set_connect_port(8080);
  c->set_bindto("2001:db8::2");
  auto spec = TargetSpec::FromProto(t);
  REQUIRE(spec.ok());
  const CheckerSpec& cs = spec->checkers.at(0);
  CHECK(cs.retry.retry == 0);
  CHECK(cs.connect_ip == "2001:db8::1");
  CHECK(cs.connect_port == 8080);
  CHECK(cs.alpha);
}

TEST_CASE("no delay_loop anywhere: keepalived's 60 s") {
  v1::CheckTarget t = Base();
  t.set_delay_loop_ms(0);
  t.add_checkers()->mutable_tcp();
  auto spec = TargetSpec::FromProto(t);
  REQUIRE(spec.ok());
  CHECK(spec->checkers[0].retry.delay_loop == absl::Seconds(60));
}

TEST_CASE("HTTP and SSL checkers") {
  v1::CheckTarget t = Base();
  auto* h = t.add_checkers()->mutable_http();
  h->set_ssl(true);
  h->set_virtualhost("www.example.test");
  h->set_enable_sni(true);
  auto* u = h->add_urls();
  u->set_path("/health");
  u->set_digest("5D41402ABC4B2A76B9719D911017C592");
  auto* r = u->add_status_codes();
  r->set_low(200);
  r->set_high(204);
  auto spec = TargetSpec::FromProto(t);
  REQUIRE(spec.ok());
  const CheckerSpec& cs = spec->checkers[0];
  CHECK(cs.kind == CheckKind::kSsl);
  CHECK(cs.sni == "www.example.test");
  CHECK(cs.urls[0].digest == "5d41402abc4b2a76b9719d911017c592");
  CHECK(cs.urls[0].status_codes.size() == 1);
  CHECK(CheckKindName(cs.kind) == std::string("SSL_GET"));
  // enable_sni on a plain HTTP_GET means nothing: accepted, no name sent.
  h->set_ssl(false);
  auto plain = TargetSpec::FromProto(t);
  REQUIRE(plain.ok());
  CHECK(plain->checkers[0].sni.empty());
  // A name asked for on HTTP_GET is refused.
  h->set_sni("www.example.test");
  CHECK_FALSE(TargetSpec::FromProto(t).ok());
}

TEST_CASE("MISC_CHECK: argv, timeout defaults to delay_loop, retry defaults to 0") {
  v1::CheckTarget t = Base();
  auto* m = t.add_checkers()->mutable_misc();
  m->set_path("/usr/local/bin/check 'a b'");
  m->set_dynamic(true);
  auto spec = TargetSpec::FromProto(t);
  REQUIRE(spec.ok());
  const CheckerSpec& cs = spec->checkers[0];
  CHECK(cs.argv == std::vector<std::string>{"/usr/local/bin/check", "a b"});
  CHECK(cs.misc_timeout == absl::Seconds(6));
  CHECK(cs.retry.retry == 0);
  CHECK(cs.misc_dynamic);
}

TEST_CASE("invalid targets are rejected with a message naming the problem") {
  auto rejects = [](v1::CheckTarget t, absl::string_view needle) {
    auto spec = TargetSpec::FromProto(t);
    REQUIRE_FALSE(spec.ok());
    CHECK(spec.status().code() == absl::StatusCode::kInvalidArgument);
    INFO(spec.status().message());
    CHECK(spec.status().message().find(needle) != absl::string_view::npos);
  };
  v1::CheckTarget t = Base();
  t.set_id("");
  rejects(t, "empty id");
  t = Base();
  t.set_address("192.168.64.300");
  rejects(t, "not an IPv4 or IPv6 address");
  t = Base();
  t.set_port(70000);
  rejects(t, "out of range");
  t = Base();
  t.add_checkers();
  rejects(t, "no kind");
  t = Base();
  t.set_port(0);
  t.add_checkers()->mutable_tcp();
  rejects(t, "no port");
  t = Base();
  t.add_checkers()->mutable_http();
  rejects(t, "at least one url");
  t = Base();
  t.add_checkers()->mutable_http()->add_urls()->set_path("health");
  rejects(t, "must start with /");
  t = Base();
  t.add_checkers()->mutable_http()->add_urls()->set_path("/a b");
  rejects(t, "blank");
  t = Base();
  t.add_checkers()->mutable_http()->add_urls()->set_digest("xyz");
  rejects(t, "32 hex digits");
  t = Base();
  {
    auto* r = t.add_checkers()->mutable_http()->add_urls()->add_status_codes();
    r->set_low(300);
    r->set_high(200);
  }
  rejects(t, "status_code range");
  t = Base();
  t.add_checkers()->mutable_misc()->set_path("relative.sh");
  rejects(t, "absolute path");
  t = Base();
  t.add_checkers()->mutable_misc();
  rejects(t, "misc_path");
  t = Base();
  {
    auto* c = t.add_checkers();
    c->mutable_tcp();
    c->set_bindto("::1");
  }
  rejects(t, "different families");
  t = Base();
  {
    auto* c = t.add_checkers();
    c->mutable_tcp();
    c->set_connect_ip("nowhere");
  }
  rejects(t, "connect_ip");
}

}  // namespace
}  // namespace lvs::checkd
