#include "lib/metrics/daemon_metrics.h"

#include <catch2/catch.hpp>

TEST_CASE("VRRP metrics: one state gauge per state, counters per instance and reason") {
  lvs::v1::VrrpStatus st;
  auto* i = st.add_instances();
  i->set_name("VI_1");
  i->set_state(lvs::v1::MASTER);
  i->set_effective_priority(100);
  i->mutable_counters()->set_adverts_tx(42);
  (*i->mutable_counters()->mutable_rx_errors())["bad_checksum"] = 3;
  lvs::runtime::MetricsText m;
  lvs::metrics::RenderVrrp(st, m);
  const std::string& t = m.text();
  CHECK(t.find("lvs_vrrp_state{instance=\"VI_1\",state=\"MASTER\"} 1\n") != std::string::npos);
  CHECK(t.find("lvs_vrrp_state{instance=\"VI_1\",state=\"BACKUP\"} 0\n") != std::string::npos);
  CHECK(t.find("lvs_vrrp_priority{instance=\"VI_1\"} 100\n") != std::string::npos);
  CHECK(t.find("lvs_vrrp_adverts_sent_total{instance=\"VI_1\"} 42\n") != std::string::npos);
  CHECK(t.find("lvs_vrrp_received_errors_total{instance=\"VI_1\",reason=\"bad_checksum\"} 3\n") !=
        std::string::npos);
  // Each family's TYPE line appears exactly once.
  size_t first = t.find("# TYPE lvs_vrrp_state gauge");
  CHECK(first != std::string::npos);
  CHECK(t.find("# TYPE lvs_vrrp_state gauge", first + 1) == std::string::npos);
}

TEST_CASE("IPVS metrics label services and reals the way ipvsadm names them") {
  lvs::v1::ListServicesResponse table;
  table.set_checker_connected(true);
  auto* svc = table.add_services();
  svc->mutable_key()->set_protocol(lvs::v1::TCP);
  svc->mutable_key()->set_address("192.168.64.100");
  svc->mutable_key()->set_port(80);
  auto* r = svc->add_reals();
  r->mutable_key()->set_address("192.168.64.143");
  r->mutable_key()->set_port(80);
  r->set_in_kernel(true);
  r->set_weight(1);
  r->set_health(lvs::v1::UP);
  auto* gone = svc->add_reals();
  gone->mutable_key()->set_address("2001:db8::5");
  gone->mutable_key()->set_port(80);
  lvs::runtime::MetricsText m;
  lvs::metrics::RenderIpvs(table, m);
  const std::string& t = m.text();
  CHECK(t.find("lvs_ipvs_real_weight{service=\"TCP 192.168.64.100:80\",real=\"192.168.64.143:80\"} "
               "1\n") != std::string::npos);
  CHECK(t.find("lvs_ipvs_real_weight{service=\"TCP 192.168.64.100:80\",real=\"[2001:db8::5]:80\"} "
               "-1\n") != std::string::npos);
  CHECK(t.find(
            "lvs_ipvs_real_up{service=\"TCP 192.168.64.100:80\",real=\"192.168.64.143:80\"} 1\n") !=
        std::string::npos);
  CHECK(t.find("lvs_ipvs_checker_connected 1\n") != std::string::npos);
}

TEST_CASE("check metrics carry target, checker index and kind") {
  lvs::v1::ListChecksResponse checks;
  auto* c = checks.add_checks();
  c->set_target_id("rs1");
  c->set_kind("TCP_CHECK");
  c->set_up(false);
  c->set_runs(7);
  c->mutable_last()->set_latency_us(1500);
  lvs::runtime::MetricsText m;
  lvs::metrics::RenderChecks(checks, m);
  const std::string& t = m.text();
  CHECK(t.find("lvs_check_up{target=\"rs1\",checker=\"0\",kind=\"TCP_CHECK\"} 0\n") !=
        std::string::npos);
  CHECK(t.find("lvs_check_runs_total{target=\"rs1\",checker=\"0\",kind=\"TCP_CHECK\"} 7\n") !=
        std::string::npos);
  CHECK(
      t.find(
          "lvs_check_latency_seconds{target=\"rs1\",checker=\"0\",kind=\"TCP_CHECK\"} 0.0015\n") !=
      std::string::npos);
}
