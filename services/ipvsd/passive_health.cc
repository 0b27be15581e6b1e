#include "services/ipvsd/passive_health.h"

#include <algorithm>
#include <tuple>

#include "absl/strings/str_cat.h"

namespace lvs::ipvs {

void PassiveHealth::SetServices(const std::vector<ServiceConfig>& services) {
  std::map<ServiceKey, Service> next;
  for (const ServiceConfig& sc : services) {
    if (!sc.passive.enabled) continue;
    Service& s = next[sc.spec.key];
    s.key = sc.spec.key;
    s.max_ejected_percent = sc.passive.max_ejected_percent;
    PassiveSettings settings;
    settings.min_failures = sc.passive.min_failures;
    auto old = services_.find(sc.spec.key);
    for (const RealConfig& rc : sc.reals) {
      Real r{rc.target_id, rc.has_checkers, PassiveDetector(settings)};
      if (old != services_.end()) {
        if (auto o = old->second.reals.find(rc.spec.key); o != old->second.reals.end()) {
          r.detector = std::move(o->second.detector);
        }
      }
      s.reals.emplace(rc.spec.key, std::move(r));
    }
  }
  services_ = std::move(next);
  // Which service a connection belongs to: by its virtual endpoint, or for a
  // firewall-mark service (whose packets carry any address) by its real server.
  // Built here once, not per sample.
  by_vip_.clear();
  by_real_.clear();
  for (auto& [key, s] : services_) {
    if (key.is_fwmark()) {
      for (const auto& [dk, r] : s.reals) by_real_.emplace(std::make_pair(dk.addr, dk.port), &s);
    } else {
      by_vip_.emplace(Endpoint{key.protocol, key.addr, key.port}, &s);
    }
  }
  auto gone = [&](const RealRef& ref) {
    auto s = services_.find(ref.first);
    return s == services_.end() || !s->second.reals.count(ref.second);
  };
  std::erase_if(ejected_, [&](const auto& e) { return gone(e.first); });
  std::erase_if(evidence_, [&](const auto& e) { return gone(e.first); });
  std::erase_if(held_, gone);
}

PassiveHealth::ConnsByReal PassiveHealth::GroupConnections(std::string_view table_text,
                                                           ConnTableStats* stats) const {
  ConnsByReal conns;
  *stats = ParseConnTable(table_text, [&](const ConnEntry& e) {
    if (e.protocol != IPPROTO_TCP) return;
    Service* s = nullptr;
    if (auto it = by_vip_.find(Endpoint{e.protocol, e.vaddr, e.vport}); it != by_vip_.end()) {
      s = it->second;
    } else if (auto f = by_real_.find({e.daddr, e.dport}); f != by_real_.end()) {
      s = f->second;
    }
    if (!s) return;
    DestKey dk{e.daddr, e.dport};
    if (!s->reals.count(dk)) return;
    conns[{s->key, dk}].emplace_back(e.Id(), e.syn_recv);
  });
  return conns;
}

PassiveHealth::Result PassiveHealth::Sample(absl::Time now, std::string_view table_text,
                                            const std::function<bool(const RealRef&)>& serving) {
  Result result;
  const ConnsByReal conns = GroupConnections(table_text, &result.table);
  for (auto& [key, s] : services_) JudgeService(now, s, conns, serving, result);
  return result;
}

void PassiveHealth::JudgeService(absl::Time now, Service& s, const ConnsByReal& conns,
                                 const std::function<bool(const RealRef&)>& serving,
                                 Result& result) {
  static const std::vector<PassiveDetector::Conn> kNone;
  size_t in_rotation = 0, out = 0;
  for (const auto& [dk, r] : s.reals) {
    const RealRef ref{s.key, dk};
    if (ejected_.count(ref))
      ++out;
    else if (serving(ref))
      ++in_rotation;
  }
  const size_t max_out = std::max<size_t>(1, s.reals.size() * s.max_ejected_percent / 100);
  for (auto& [dk, r] : s.reals) {
    const RealRef ref{s.key, dk};
    auto c = conns.find(ref);
    r.detector.Observe(now, c == conns.end() ? kNone : c->second);
    if (ejected_.count(ref)) continue;
    if (!serving(ref)) {
      // Down, drained or at weight 0: what it shows says nothing of its health.
      r.detector.Reset();
      held_.erase(ref);
      continue;
    }
    const PassiveEvidence e = r.detector.Judge();
    if (!e.suspect) {
      held_.erase(ref);
      continue;
    }
    std::string why;
    if (!r.has_checkers) {
      why = "it has no checkers to decide its return";
    } else if (in_rotation <= 1) {
      why = "it is the service's last real server in rotation";
    } else if (out >= max_out) {
      why = absl::StrCat(out, " of its service's ", s.reals.size(),
                         " real servers are out already (lvsha_passive_max_ejected ",
                         s.max_ejected_percent, ")");
    }
    if (!why.empty()) {
      if (held_.insert(ref).second) {
        result.held.push_back(absl::StrCat(s.key.ToString(), " -> ", dk.ToString(),
                                           " is suspect (passive: ", e.ToString(),
                                           ") but stays in rotation: ", why));
      }
      continue;
    }
    held_.erase(ref);
    ejected_[ref] = Ejected{now};
    evidence_[ref] = e.ToString();
    ++ejections_total_;
    ++out;
    --in_rotation;
    result.ejected.push_back({ref, r.target_id, e.ToString(), e.stuck_after});
  }
}

bool PassiveHealth::Restore(const RealRef& real) {
  if (!ejected_.erase(real)) return false;
  evidence_.erase(real);
  ++restorations_total_;
  if (auto s = services_.find(real.first); s != services_.end()) {
    if (auto r = s->second.reals.find(real.second); r != s->second.reals.end())
      r->second.detector.Reset();
  }
  return true;
}

std::vector<PassiveHealth::Ejection> PassiveHealth::DueRechecks(absl::Time now,
                                                                absl::Duration after) {
  std::vector<Ejection> due;
  for (auto& [ref, e] : ejected_) {
    if (now - e.asked < after) continue;
    e.asked = now;
    auto s = services_.find(ref.first);
    if (s == services_.end()) continue;
    auto r = s->second.reals.find(ref.second);
    if (r == s->second.reals.end()) continue;
    due.push_back({ref, r->second.target_id, evidence_[ref], r->second.detector.stuck_after()});
  }
  return due;
}

}  // namespace lvs::ipvs
