#include "services/ipvsd/passive_detector.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace lvs::ipvs {

std::string PassiveEvidence::ToString() const {
  return absl::StrCat(failed, " of ", judged, " new connection", judged == 1 ? "" : "s",
                      " got no second packet");
}

absl::Duration PassiveDetector::stuck_after() const {
  if (judged_total_ < settings_.learn_after || handshakes_.empty()) return settings_.stuck_cap;
  // The 95th percentile of the recent handshakes: a pause of the director (or of an
  // emulated lab VM) that holds up a few connections does not move it.
  std::vector<absl::Duration> sorted(handshakes_.begin(), handshakes_.end());
  const size_t k = sorted.size() * 95 / 100;
  std::nth_element(sorted.begin(), sorted.begin() + k, sorted.end());
  return std::clamp(sorted[k] * 3, settings_.stuck_floor, settings_.stuck_cap);
}

void PassiveDetector::Learn(absl::Duration handshake) {
  handshakes_.push_back(handshake);
  if (handshakes_.size() > kHandshakes) handshakes_.pop_front();
}

void PassiveDetector::Observe(absl::Time now, const std::vector<Conn>& conns) {
  Bucket b{now};
  const absl::Duration stuck = stuck_after();
  for (const auto& [id, syn_recv] : conns) {
    auto [last, fresh] = seen_.try_emplace(id, now);
    if (!fresh && last->second == now) continue;  // listed twice in this sample
    const bool known = !fresh;
    last->second = now;
    if (auto p = pending_.find(id); p != pending_.end()) {
      p->second.last_seen = now;
      if (!syn_recv) {
        // Moved on: its handshake took at most this long. Late ones (already
        // counted as failed) still teach the round trip.
        Learn(now - p->second.first_seen);
        if (!p->second.failed) ++b.good, ++judged_total_;
        pending_.erase(p);
      } else if (!p->second.failed && now - p->second.first_seen >= stuck) {
        p->second.failed = true;
        ++b.failed, ++judged_total_;
      }
      continue;
    }
    if (known) continue;  // an older connection, judged before
    // The first sample's connections predate the detector: not new.
    if (first_sample_) continue;
    if (syn_recv) {
      pending_.emplace(id, Pending{now, now});
    } else {
      ++b.good, ++judged_total_;
      Learn(absl::ZeroDuration());  // through within one sample
    }
  }
  // Those gone from the table (expired, or reset by the client) are not judged; a
  // connection missing from a few samples is not gone.
  const absl::Time forget = now - settings_.forget_after;
  std::erase_if(pending_, [&](const auto& p) { return p.second.last_seen < forget; });
  std::erase_if(seen_, [&](const auto& s) { return s.second < forget; });
  first_sample_ = false;
  // The run of failures since the last connection that got through.
  if (b.good > 0) failures_.clear();
  for (uint32_t i = 0; i < b.failed; ++i) failures_.push_back(now);
  while (!failures_.empty() && failures_.front() <= now - settings_.window) failures_.pop_front();
  buckets_.push_back(b);
  while (!buckets_.empty() && buckets_.front().at <= now - settings_.window) buckets_.pop_front();
}

PassiveEvidence PassiveDetector::Judge() const {
  PassiveEvidence e;
  for (const Bucket& b : buckets_) {
    e.failed += b.failed;
    e.judged += b.good + b.failed;
  }
  e.consecutive = static_cast<uint32_t>(failures_.size());
  e.stuck_after = stuck_after();
  e.suspect = e.consecutive >= settings_.min_failures;
  return e;
}

void PassiveDetector::Reset() {
  buckets_.clear();
  failures_.clear();
  for (auto& [id, p] : pending_) p.failed = true;  // judged already: not counted again
}

}  // namespace lvs::ipvs
