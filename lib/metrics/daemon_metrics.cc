#include "lib/metrics/daemon_metrics.h"

#include <cstdint>
#include <string>

#include "absl/strings/str_cat.h"

namespace lvs::metrics {
namespace {

using Labels = runtime::MetricsText::Labels;

// Families must be written together, so each metric is one pass over the items.
template <typename Items, typename Fn>
void Family(const Items& items, Fn fn) {
  for (const auto& item : items) fn(item);
}

Labels ServiceLabels(const lvs::v1::ServiceKey& k) {
  if (k.fwmark() != 0) return {{"service", absl::StrCat("FWM ", k.fwmark())}};
  const char* proto = k.protocol() == lvs::v1::UDP    ? "UDP"
                      : k.protocol() == lvs::v1::SCTP ? "SCTP"
                                                      : "TCP";
  bool v6 = k.address().find(':') != std::string::npos;
  return {{"service", v6 ? absl::StrCat(proto, " [", k.address(), "]:", k.port())
                         : absl::StrCat(proto, " ", k.address(), ":", k.port())}};
}

Labels RealLabels(const lvs::v1::IpvsService& svc, const lvs::v1::IpvsReal& r) {
  Labels l = ServiceLabels(svc.key());
  bool v6 = r.key().address().find(':') != std::string::npos;
  l.emplace_back("real", v6 ? absl::StrCat("[", r.key().address(), "]:", r.key().port())
                            : absl::StrCat(r.key().address(), ":", r.key().port()));
  return l;
}

// The alert mails' counters, when the config sends mail.
void RenderMail(const lvs::v1::MailStats& m, runtime::MetricsText& out) {
  out.Counter("lvs_mail_sent_total", "Alert mails the SMTP server accepted.", {}, m.sent());
  out.Counter("lvs_mail_failed_total",
              "Alert mails not sent: the SMTP server refused or was unreachable.", {}, m.failed());
  out.Counter("lvs_mail_dropped_total",
              "Alert mails dropped: the queue was full or the daemon stopped first.", {},
              m.dropped());
}

// What vrrpd's and ipvsd's status both carry: the config's warnings and, when the
// config sends mail, the mailer's counters.
template <typename DaemonStatus>
void RenderConfigAndMail(const DaemonStatus& status, runtime::MetricsText& out) {
  out.Gauge("lvs_config_warnings",
            "Warnings in the config file last applied (lvsctl config check).", {},
            status.config_warnings());
  if (status.has_mail()) RenderMail(status.mail(), out);
}

}  // namespace

void RenderVrrp(const lvs::v1::VrrpStatus& st, runtime::MetricsText& out) {
  RenderConfigAndMail(st, out);
  const auto& is = st.instances();
  Family(is, [&](const auto& i) {
    for (auto state :
         {lvs::v1::INIT, lvs::v1::BACKUP, lvs::v1::MASTER, lvs::v1::FAULT, lvs::v1::STOPPED})
      out.Gauge("lvs_vrrp_state", "1 for the state the instance is in, 0 for the others.",
                {{"instance", i.name()}, {"state", lvs::v1::VrrpState_Name(state)}},
                i.state() == state);
  });
  Family(is, [&](const auto& i) {
    out.Gauge("lvs_vrrp_priority", "Effective priority (configured plus tracking weights).",
              {{"instance", i.name()}}, i.effective_priority());
  });
  Family(is, [&](const auto& i) {
    out.Counter("lvs_vrrp_transitions_total", "State transitions.", {{"instance", i.name()}},
                i.counters().transitions());
  });
  Family(is, [&](const auto& i) {
    out.Counter("lvs_vrrp_adverts_sent_total", "Adverts sent.", {{"instance", i.name()}},
                i.counters().adverts_tx());
  });
  Family(is, [&](const auto& i) {
    out.Counter("lvs_vrrp_adverts_received_total", "Valid adverts received.",
                {{"instance", i.name()}}, i.counters().adverts_rx());
  });
  Family(is, [&](const auto& i) {
    out.Counter("lvs_vrrp_garp_sent_total", "Gratuitous ARPs and unsolicited NAs sent.",
                {{"instance", i.name()}}, i.counters().garp_tx());
  });
  Family(is, [&](const auto& i) {
    for (const auto& [reason, n] : i.counters().rx_errors())
      out.Counter("lvs_vrrp_received_errors_total", "Received packets dropped, by reason.",
                  {{"instance", i.name()}, {"reason", reason}}, n);
  });
}

namespace {

using Services = google::protobuf::RepeatedPtrField<lvs::v1::IpvsService>;

// One pass over every real of every service, for one family.
template <typename Fn>
void PerReal(const Services& svcs, Fn fn) {
  for (const auto& svc : svcs)
    for (const auto& r : svc.reals()) fn(svc, r);
}

void RenderServices(const Services& svcs, runtime::MetricsText& out) {
  Family(svcs, [&](const auto& s) {
    out.Gauge("lvs_ipvs_service_quorum_met", "1 when enough reals are up for the quorum.",
              ServiceLabels(s.key()), s.quorum_met());
  });
  Family(svcs, [&](const auto& s) {
    out.Counter("lvs_ipvs_service_connections_total", "Connections scheduled.",
                ServiceLabels(s.key()), s.stats().connections());
  });
}

// A real's state: its weight, its verdicts, its connections now.
void RenderRealState(const Services& svcs, runtime::MetricsText& out) {
  PerReal(svcs, [&](const auto& s, const auto& r) {
    out.Gauge("lvs_ipvs_real_weight", "Weight in the kernel (-1: not in the kernel).",
              RealLabels(s, r), r.in_kernel() ? r.weight() : -1);
  });
  PerReal(svcs, [&](const auto& s, const auto& r) {
    out.Gauge("lvs_ipvs_real_passive_suspect",
              "1 while the passive check keeps the real out of new connections (weight 0).",
              RealLabels(s, r), !r.passive_suspect().empty());
  });
  PerReal(svcs, [&](const auto& s, const auto& r) {
    out.Gauge("lvs_ipvs_real_up", "1 when the real's checks pass.", RealLabels(s, r),
              r.health() == lvs::v1::UP);
  });
  PerReal(svcs, [&](const auto& s, const auto& r) {
    out.Gauge("lvs_ipvs_real_active_connections", "Active connections.", RealLabels(s, r),
              r.active_connections());
  });
  PerReal(svcs, [&](const auto& s, const auto& r) {
    out.Gauge("lvs_ipvs_real_inactive_connections", "Inactive connections.", RealLabels(s, r),
              r.inactive_connections());
  });
}

// The kernel's running totals for a real, one counter family each.
struct RealTotal {
  const char* name;
  const char* help;
  uint64_t (*value)(const lvs::v1::IpvsStats&);
};
constexpr RealTotal kRealTotals[] = {
    {"lvs_ipvs_real_connections_total", "Connections scheduled to the real.",
     [](const lvs::v1::IpvsStats& s) { return s.connections(); }},
    {"lvs_ipvs_real_packets_in_total", "Packets in.",
     [](const lvs::v1::IpvsStats& s) { return s.packets_in(); }},
    {"lvs_ipvs_real_packets_out_total", "Packets out.",
     [](const lvs::v1::IpvsStats& s) { return s.packets_out(); }},
    {"lvs_ipvs_real_bytes_in_total", "Bytes in.",
     [](const lvs::v1::IpvsStats& s) { return s.bytes_in(); }},
    {"lvs_ipvs_real_bytes_out_total", "Bytes out.",
     [](const lvs::v1::IpvsStats& s) { return s.bytes_out(); }},
};

void RenderRealTotals(const Services& svcs, runtime::MetricsText& out) {
  for (const RealTotal& total : kRealTotals) {
    PerReal(svcs, [&](const auto& s, const auto& r) {
      out.Counter(total.name, total.help, RealLabels(s, r), total.value(r.stats()));
    });
  }
}

}  // namespace

void RenderIpvs(const lvs::v1::ListServicesResponse& t, runtime::MetricsText& out) {
  RenderConfigAndMail(t, out);
  out.Gauge("lvs_ipvs_checker_connected", "1 when checkd is reachable (0: weights held).", {},
            t.checker_connected());
  RenderServices(t.services(), out);
  RenderRealState(t.services(), out);
  RenderRealTotals(t.services(), out);
}

void RenderChecks(const lvs::v1::ListChecksResponse& c, runtime::MetricsText& out) {
  auto labels = [](const lvs::v1::CheckStatus& s) -> Labels {
    return {{"target", s.target_id()},
            {"checker", absl::StrCat(s.checker_index())},
            {"kind", s.kind()}};
  };
  const auto& cs = c.checks();
  Family(cs, [&](const auto& s) {
    out.Gauge("lvs_check_up", "1 when the checker considers its target up.", labels(s), s.up());
  });
  Family(cs, [&](const auto& s) {
    out.Counter("lvs_check_runs_total", "Checks run.", labels(s), s.runs());
  });
  Family(cs, [&](const auto& s) {
    out.Gauge("lvs_check_consecutive_failures", "Failures since the last success.", labels(s),
              s.consecutive_failures());
  });
  Family(cs, [&](const auto& s) {
    out.Gauge("lvs_check_latency_seconds", "Latency of the last check.", labels(s),
              s.last().latency_us() / 1e6);
  });
}

}  // namespace lvs::metrics
