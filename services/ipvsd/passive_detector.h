// Passive health's judgement of one real server, from the kernel's connection table
// sampled every ~100 ms. Pure: samples and times in, evidence out.
//
// The evidence is the handshake. In DR (and TUN) mode the director sees only what
// clients send, and IPVS moves a connection out of SYN_RECV when the client's second
// packet (the ACK of the real server's SYN-ACK) arrives. A real server that refuses
// connections (its RST goes straight to the client) or black-holes them leaves them
// in SYN_RECV; a healthy one moves them on within one client round trip.
//
//   good   a new connection first seen past SYN_RECV, or seen in it and then moved on
//   failed a connection still in SYN_RECV `stuck_after` after it was first seen
//
// A real is suspect when its last `min_failures` judged connections all failed, within
// `window` (outlier detection's "consecutive failures", as Envoy's): one connection
// that gets through clears the run, so a healthy real that loses the odd handshake
// is not suspected, and an idle or low-traffic service (fewer than min_failures new
// connections per window) never is, whatever its connections do.
//
// `stuck_after` follows the clients: it is three times the 95th percentile of the
// last 128 handshakes that completed (0 for a connection already past SYN_RECV when
// first seen, else how long it was seen in it), never under `stuck_floor` nor over
// `stuck_cap`; until `learn_after` connections have been judged it is the cap, so a
// service whose clients are far away is not suspected before their round trip is known.
//
// A sample may miss connections: /proc/net/ip_vs_conn comes a page per read, each
// read walking the hash table afresh from the position reached, so connections added
// or removed meanwhile shift the rest, and some are skipped (or listed twice). A
// connection missing from a sample is therefore remembered for `forget_after`: one
// seen again is the same connection (not a new one that got through, which would
// clear the run of failures), and one still waiting keeps its first sighting.
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "absl/time/time.h"

namespace lvs::ipvs {

struct PassiveSettings {
  uint32_t min_failures = 3;
  absl::Duration window = absl::Seconds(2);
  absl::Duration stuck_floor = absl::Milliseconds(100);
  absl::Duration stuck_cap = absl::Seconds(3);
  uint32_t learn_after = 20;
  absl::Duration forget_after = absl::Seconds(2);
};

struct PassiveEvidence {
  uint32_t failed = 0;         // connections that got no second packet, in the window
  uint32_t judged = 0;         // new connections judged, in the window (failed included)
  uint32_t consecutive = 0;    // failures since the last connection that got through
  absl::Duration stuck_after;  // how long a connection had to stay in SYN_RECV to fail
  bool suspect = false;
  // "37 of 40 new connections got no second packet"
  std::string ToString() const;
};

class PassiveDetector {
 public:
  // One connection in a sample: its id (ConnEntry::Id) and whether it is in SYN_RECV.
  using Conn = std::pair<uint64_t, bool>;

  explicit PassiveDetector(PassiveSettings settings = {}) : settings_(settings) {}

  // Every connection to this real server in one sample of the table, taken at `now`.
  void Observe(absl::Time now, const std::vector<Conn>& conns);
  PassiveEvidence Judge() const;
  // Evidence starts afresh (the real was restored, or its weight was 0 meanwhile);
  // what was learnt of the clients' round trip stays.
  void Reset();
  absl::Duration stuck_after() const;

 private:
  struct Pending {
    absl::Time first_seen;
    absl::Time last_seen;
    bool failed = false;
  };
  struct Bucket {
    absl::Time at;
    uint32_t good = 0, failed = 0;
  };

  PassiveSettings settings_;
  std::unordered_map<uint64_t, Pending> pending_;  // seen only in SYN_RECV so far
  // Every id seen within forget_after, with when it was last seen.
  std::unordered_map<uint64_t, absl::Time> seen_;
  std::deque<Bucket> buckets_;       // one per sample, within the window
  std::deque<absl::Time> failures_;  // the current run of failures, within the window
  static constexpr size_t kHandshakes = 128;
  void Learn(absl::Duration handshake);
  std::deque<absl::Duration> handshakes_;  // the last kHandshakes completed
  uint64_t judged_total_ = 0;
  bool first_sample_ = true;
};

}  // namespace lvs::ipvs
