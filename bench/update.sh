#!/usr/bin/env bash
# bench/update.sh — AlpineMirror's Update beside the tools it replaces, measured in one run (DESIGN.md §8).
#
# Usage: bench/update.sh            (as root when nginx, wget, rsync or GNU time must be installed first)
#
# What it does, on this machine only (nothing listens on anything but 127.0.0.1):
#   1. Installs what is missing from Debian (nginx-light or nginx, wget, rsync, time), with the package's own nginx
#      service kept from starting; builds the Cake host (./build.sh) and tests/AlpineMirror.Benchmarks.
#   2. Generates a signed upstream of BENCH_PACKAGES packages of about BENCH_BYTES each (point release 3.15.4) with
#      `AlpineMirror.Benchmarks generate-upstream`, and serves it with a private nginx (own config, pid and logs in
#      the work folder, autoindex on, a free port on 127.0.0.1), stopped on exit.
#   3. Full mirror into an empty root, side by side, BENCH_ROUNDS rounds of ours and parallel interleaved (medians):
#        ours      ./build.sh --target=Update --parallel=BENCH_PARALLEL (the host build.sh built, copied aside first)
#        parallel  the same files our run fetched (its 200s in nginx's log), split round-robin over
#                  BENCH_PARALLEL `wget -i` processes: one keep-alive connection each, the strongest plain download
#        synced    the parallel downloads once more, then `sync`: as durable as ours before it publishes (not a target)
#        wget      wget --mirror of the branch folder, as the manual procedure starts (once)
#   4. Upstream moves to 3.15.5 with BENCH_CHANGED of the packages changed (same root, unchanged files keep their
#      modification time), then the incremental update, side by side:
#        ours      ./build.sh --target=Update
#        cp+wget   cp -r 3.15.4 3.15.5 && wget --mirror into the copy (the procedure we replace)
#        rsync     rsync -a --delete --link-dest=<previous rsync snapshot> over the local file system from the
#                  served tree into a new snapshot (no rsync:// daemon, so no network cost at all: a strict bound)
#      and a no-op update (ours again, nothing changed upstream).
#   4b. The same two updates against a distant upstream: `AlpineMirror.Benchmarks delay-proxy` on 127.0.0.1 holds
#      every request (and every new connection) for BENCH_LATENCY_MS before passing it to nginx (no tc netem here):
#        ours      the 1 % release into the root of the full mirror's second round, and a full mirror of 3.15.5 into an empty one
#        parallel  the same files each fetched, BENCH_PARALLEL `wget -i` through the same proxy
#   4c. Scale: Plan alone against signed indexes of BENCH_SCALE packages (each count spread over main, community and
#      testing for x86_64 and aarch64; `generate-indexes`, no package files), from a published snapshot of the same
#      indexes with 1 % changed: wall, CPU and peak memory per count, and CPU per package at the largest count
#      against the smallest (linear: at most 1.5×).
#   5. Snapshot of the published 10,000-file tree, three times each, interleaved, median: SnapshotCloner.CloneAsync
#      (timed inside `AlpineMirror.Benchmarks clone`, one process per clone, no runtime start-up), `cp -al`, `cp -r`.
#   6. Prints a table of figures and ratios against their targets (DESIGN.md §8 and the performance targets: full
#      mirror ≤ 1.0× parallel wget, a 1 % release ≤ 1.0× rsync --link-dest, a no-op ≤ 0.4 s and ≤ 3 requests, at
#      20 ms per request the 1 % release ≤ 1.5 s and the full mirror ≤ 1.0× parallel wget through the same proxy, Plan
#      linear in the package count and under 250 MB); no results are kept in the repository.
#
# Figures: wall times from `date` around each command (ours includes its start-up), after a `sync` so that no
# contender pays for another's writeback; CPU time (user + system, GNU time) beside them, because on a busy machine
# wall time also counts waiting for a core (the load average is printed). Requests and bytes are the nginx
# access-log lines each command added; peak memory is GNU time's maximum RSS. The minimum request count for the
# incremental update is the number of files rsync found new or changed under the branch (changed and added
# packages, the two indexes, the new release's images and checksums), less the files of the new netboot folder,
# which ours unpacks from the netboot tarball instead of fetching them.
#
# Noise: on a shared machine other processes' load stretches wall times (compare the CPU columns), and on ext4
# without a journal an inode freed in the last 60–360 s is skipped, at a cost, by every new file nearby: right after
# deleting a large tree (a previous run's work folder, other tests) whoever creates files pays kernel time for it.
# The script deletes nothing until it has measured everything; leave a few minutes between runs.
#
# Environment: BENCH_PACKAGES (10000), BENCH_BYTES (20000), BENCH_CHANGED (0.01), BENCH_PARALLEL (8), BENCH_SEED (1), BENCH_ROUNDS (5),
# BENCH_LATENCY_MS (20), BENCH_SCALE ("12500 25000 50000"),
# BENCH_WORK (a new folder under ${TMPDIR:-/tmp}; it must not exist yet), BENCH_KEEP=1 keeps the work folder.
# Takes about 7 minutes on 2 cores, mostly generating the two upstream releases and the two full mirrors at
# BENCH_LATENCY_MS per request; needs about 2.5 GB of disk.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
packages="${BENCH_PACKAGES:-10000}"
package_bytes="${BENCH_BYTES:-20000}"
changed="${BENCH_CHANGED:-0.01}"
parallel="${BENCH_PARALLEL:-8}"
seed="${BENCH_SEED:-1}"
rounds="${BENCH_ROUNDS:-5}"
latency_ms="${BENCH_LATENCY_MS:-20}"
read -r -a scale_counts <<<"${BENCH_SCALE:-12500 25000 50000}"
[[ "$rounds" =~ ^[0-9]+$ ]] && ((rounds >= 2)) || { echo "bench/update.sh: BENCH_ROUNDS: expected a whole number of at least 2 (round 2's root is reused), got '$rounds'" >&2; exit 1; }
branch=v3.15
bench_project="$repo/tests/AlpineMirror.Benchmarks"

say() { printf '\n== %s\n' "$*" >&2; }
fail() { printf 'bench/update.sh: %s\n' "$*" >&2; exit 1; }
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b == 0) print "n/a"; else printf "%.3f", a / b }'; }
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
mb() { awk -v b="$1" 'BEGIN { printf "%.1f", b / 1e6 }'; }
verdict() { awk -v v="$1" -v t="$3" -v op="$2" 'BEGIN { ok = (op == "<=") ? v <= t : v >= t; print ok ? "met" : "MISSED" }'; }

# --- 1. tools --------------------------------------------------------------------------------------------------
install_missing() {
  local need=()
  command -v nginx >/dev/null || [[ -x /usr/sbin/nginx ]] || need+=(nginx)
  command -v wget >/dev/null || need+=(wget)
  command -v rsync >/dev/null || need+=(rsync)
  [[ -x /usr/bin/time ]] || need+=(time)
  ((${#need[@]})) || return 0
  [[ $EUID -eq 0 ]] || fail "missing ${need[*]}; run as root so that apt-get can install them"

  say "Installing ${need[*]} from Debian"
  apt-get update -qq
  if [[ " ${need[*]} " == *" nginx "* ]] && apt-cache show nginx-light >/dev/null 2>&1; then
    need=("${need[@]/#nginx/nginx-light}")
  fi
  # The package would start its own nginx on port 80 of every address; only our private one may run.
  local made_policy=""
  if [[ ! -e /usr/sbin/policy-rc.d ]]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d && made_policy=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >&2 || {
    [[ -z "$made_policy" ]] || rm -f /usr/sbin/policy-rc.d
    fail "apt-get install ${need[*]} failed"
  }
  [[ -z "$made_policy" ]] || rm -f /usr/sbin/policy-rc.d
}
install_missing
nginx_bin="$(command -v nginx || echo /usr/sbin/nginx)"

# --- work folder and clean-up ----------------------------------------------------------------------------------
work="${BENCH_WORK:-$(mktemp -d "${TMPDIR:-/tmp}/alpinemirror-bench.XXXXXX")}"
if [[ -n "${BENCH_WORK:-}" ]]; then
  [[ ! -e "$work" ]] || fail "BENCH_WORK=$work exists; name a new folder"
  mkdir -p "$work"
fi
work="$(cd "$work" && pwd)"
# nginx's workers drop to an unprivileged user and must be able to walk down to the served files.
chmod 755 "$work"
nginx_pid=""
proxy_pid=""
cleanup() {
  local code=$?
  if [[ -n "$proxy_pid" ]] && kill -0 "$proxy_pid" 2>/dev/null; then
    kill -TERM "$proxy_pid" 2>/dev/null || true
    wait "$proxy_pid" 2>/dev/null || true
  fi
  if [[ -n "$nginx_pid" ]] && kill -0 "$nginx_pid" 2>/dev/null; then
    kill -TERM "$nginx_pid" 2>/dev/null || true
    wait "$nginx_pid" 2>/dev/null || true
  fi
  if [[ "${BENCH_KEEP:-}" == 1 ]]; then
    echo "work folder kept: $work" >&2
  else
    rm -rf "$work"
  fi
  exit "$code"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

upstream="$work/upstream"
signing="$work/signing"
ours="$work/ours"
mkdir -p "$work/logs" "$work/nginx/temp"

# --- build -----------------------------------------------------------------------------------------------------
say "Building the Cake host and the benchmark project"
"$repo/build.sh" --help >"$work/logs/host-build.log" 2>&1 || { cat "$work/logs/host-build.log" >&2; fail "./build.sh did not build"; }
# The timed runs use a copy of the host build.sh built, as build.sh runs it (the Native AOT executable, or `dotnet <host>.dll` where build.sh fell back): a source file
# edited meanwhile in the checkout would otherwise make build.sh rebuild inside a timed run.
cp -r "$repo/artifacts/host" "$work/host"
# As build.sh runs it: the Native AOT executable, or the ReadyToRun assembly where build.sh fell back to one.
if [[ -f "$work/host/AlpineMirror.Build.dll" ]]; then
  host=(dotnet "$work/host/AlpineMirror.Build.dll")
else
  host=("$work/host/AlpineMirror.Build")
fi
# Built into the work folder for the same reason.
dotnet build "$bench_project" -c Release --nologo -v quiet -o "$work/bench-tool" >"$work/logs/bench-build.log" 2>&1 ||
  { cat "$work/logs/bench-build.log" >&2; fail "the benchmark project did not build"; }
bench_tool() { dotnet "$work/bench-tool/AlpineMirror.Benchmarks.dll" "$@"; }

# --- 2. upstream and nginx -------------------------------------------------------------------------------------
say "Generating upstream 3.15.4: $packages packages of about $package_bytes bytes"
gen_start=$(now)
bench_tool generate-upstream --root "$upstream" --key-dir "$signing" --packages "$packages" --bytes "$package_bytes" --seed "$seed" >&2
echo "generated in $(elapsed "$gen_start" "$(now)") s" >&2

access_log="$work/nginx/access.log"
write_nginx_config() {
  local port="$1" temp_paths="client_body_temp_path $work/nginx/temp/body;" module
  # Only modules compiled in accept their temp path; the default ones under /var/lib/nginx need not exist.
  for module in proxy fastcgi uwsgi scgi; do
    "$nginx_bin" -V 2>&1 | grep -q -- "--without-http_${module}_module" || temp_paths+=" ${module}_temp_path $work/nginx/temp/$module;"
  done
  cat >"$work/nginx/nginx.conf" <<EOF
daemon off;
master_process on;
worker_processes 2;
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log warn;
events { worker_connections 1024; }
http {
  default_type application/octet-stream;
  log_format bench '\$request_method \$request_uri \$status \$body_bytes_sent \$connection';
  access_log $access_log bench;
  sendfile on;
  tcp_nopush on;
  keepalive_timeout 65;
  keepalive_requests 1000000;
  $temp_paths
  server {
    listen 127.0.0.1:$port;
    root $upstream;
    autoindex on;
  }
}
EOF
}

start_nginx() {
  local port
  for _ in 1 2 3 4 5 6 7 8 9 10; do
    port=$((20000 + RANDOM % 40000))
    write_nginx_config "$port"
    "$nginx_bin" -p "$work/nginx" -c "$work/nginx/nginx.conf" -e "$work/nginx/error.log" &
    nginx_pid=$!
    for _ in $(seq 50); do
      if wget -q -O /dev/null "http://127.0.0.1:$port/$branch/releases/" 2>/dev/null; then
        base_url="http://127.0.0.1:$port"
        return 0
      fi
      kill -0 "$nginx_pid" 2>/dev/null || break # the port was taken: try another
      sleep 0.1
    done
    kill -TERM "$nginx_pid" 2>/dev/null || true
    wait "$nginx_pid" 2>/dev/null || true
    nginx_pid=""
  done
  cat "$work/nginx/error.log" >&2 || true
  fail "nginx did not start on 127.0.0.1 after 10 ports"
}
say "Starting nginx on 127.0.0.1"
start_nginx
echo "serving $upstream at $base_url (nginx pid $nginx_pid)" >&2
# Warm cache for every contender alike.
find "$upstream" -type f -exec cat {} + >/dev/null
load_start=$(cut -d' ' -f1-3 /proc/loadavg)

# --- measuring -------------------------------------------------------------------------------------------------
# measure NAME COMMAND...: runs it under GNU time; records NAME_seconds, NAME_rss_kb, NAME_requests, NAME_bytes,
# NAME_connections and the log lines in $work/logs/NAME.requests. Output goes to $work/logs/NAME.log.
declare -A figure
f() { echo "${figure[$1]}"; }
log_lines() { if [[ -f "$access_log" ]]; then wc -l <"$access_log"; else echo 0; fi; }
measure() {
  local name="$1"; shift
  local before start end code=0 rss user system
  # Nobody pays for the previous contender's dirty pages.
  sync
  before=$(log_lines)
  start=$(now)
  /usr/bin/time -f '%M %U %S' -o "$work/logs/$name.time" "$@" >"$work/logs/$name.log" 2>&1 || code=$?
  end=$(now)
  # nginx logs a request once it is sent; give the last lines time to land.
  sleep 0.3
  tail -n +"$((before + 1))" "$access_log" >"$work/logs/$name.requests"
  figure[${name}_seconds]=$(elapsed "$start" "$end")
  read -r rss user system < <(tail -n 1 "$work/logs/$name.time")
  figure[${name}_rss_kb]=$rss
  figure[${name}_cpu]=$(awk -v u="$user" -v s="$system" 'BEGIN { printf "%.2f", u + s }')
  figure[${name}_requests]=$(wc -l <"$work/logs/$name.requests")
  figure[${name}_bytes]=$(awk '{ s += $4 } END { printf "%d", s }' "$work/logs/$name.requests")
  figure[${name}_connections]=$(awk '{ print $5 }' "$work/logs/$name.requests" | sort -u | wc -l)
  figure[${name}_exit]=$code
  printf '%-18s %8s s  cpu %6s s  %6s requests  %7s MB  %4s connections  peak RSS %6s MB  exit %s\n' "$name" \
    "${figure[${name}_seconds]}" "${figure[${name}_cpu]}" "${figure[${name}_requests]}" "$(mb "${figure[${name}_bytes]}")" \
    "${figure[${name}_connections]}" "$(awk -v k="${figure[${name}_rss_kb]}" 'BEGIN { printf "%.0f", k / 1024 }')" "$code" >&2
  if ((code != 0)); then
    tail -n 30 "$work/logs/$name.log" >&2
    fail "$name exited with $code (log: $work/logs/$name.log)"
  fi
}
# "Plan 0.80 s, Snapshot 0.02 s, ..." from the host's closing task summary.
task_times() {
  sed 's/\x1b\[[0-9;]*m//g' "$work/logs/$1.log" | awk '$2 ~ /^[0-9][0-9]:[0-9][0-9]:[0-9.]+$/ && $1 != "Total:" && $1 != "Update" {
      split($2, t, ":"); printf "%s%s %.2f s", (n++ ? ", " : ""), $1, t[1] * 3600 + t[2] * 60 + t[3] }'
}
status_counts() { awk '{ c[$3]++ } END { n = 0; for (s in c) printf "%s%s×%d", (n++ ? " " : ""), s, c[s] }' "$work/logs/$1.requests"; }
# What the requests were for, and how many URIs were asked for more than once.
request_kinds() {
  awk '{ if ($2 ~ /\.apk$/) k = "apk"; else if ($2 ~ /APKINDEX/) k = "index"; else if ($2 ~ /\/releases\//) k = "releases";
         else k = "other"; c[k]++; seen[$2]++ }
       END { for (u in seen) if (seen[u] > 1) d++; printf "apk %d, index %d, releases %d, other %d; URIs asked more than once: %d",
             c["apk"], c["index"], c["releases"], c["other"], d }' "$work/logs/$1.requests"
}

# GNU time runs programs, not shell functions: each contender is a command line.
# update_command NAME [ROOT [BASE_URL]]
update_command() {
  update=("${host[@]}" --target=Update --root="${2:-$ours}" --upstream="${3:-$base_url}/" --branch="$branch" \
    --keys="$upstream/keys" --parallel="$parallel" --report="$work/logs/report-$1.json")
}
wget_mirror=(wget --mirror --no-parent --no-host-directories --cut-dirs=1 -e robots=off -q)
# One wget per list, all at once: $0 is the target folder, the arguments are the lists.
# shellcheck disable=SC2016 # expanded by the inner bash
parallel_wget='for list in "$@"; do wget -q -nc -x -nH -P "$0" -i "$list" & done; wait'

# --- 3. full mirror --------------------------------------------------------------------------------------------
say "Full mirror: $rounds rounds of ours and the parallel reference, interleaved; medians"
update_command full
measure ours_full "${update[@]}"
awk '$3 == 200 { print base $2 }' base="$base_url" "$work/logs/ours_full.requests" >"$work/full-urls.txt"
split -n "r/$parallel" -d "$work/full-urls.txt" "$work/parallel-list."
measure parallel_full bash -c "$parallel_wget" "$work/parallel" "$work"/parallel-list.*
# Round 2's root is also where the 1 % release at a distance starts: its own published 3.15.4, as an operator's root
# would be (a copy of the first root would carry publication records naming other folders, so its previous snapshot
# would rightly be hashed in full as an unknown folder). Every round writes into new folders: nothing is deleted.
for ((round = 2; round <= rounds; round++)); do
  if ((round == 2)); then round_root="$work/ours-latency"; else round_root="$work/ours-full-$round"; fi
  update_command "full$round" "$round_root"
  measure "ours_full$round" "${update[@]}"
  measure "parallel_full$round" bash -c "$parallel_wget" "$work/parallel-$round" "$work"/parallel-list.*
done
# Not a target: the same downloads made as durable as ours before it publishes (its syncfs), to show what that costs.
measure parallel_full_synced bash -c "$parallel_wget; sync" "$work/parallel-synced" "$work"/parallel-list.*
# Each round's own ratio too: on a shared machine one slow round can fall to either side.
round_names=(full)
for ((round = 2; round <= rounds; round++)); do round_names+=("full$round"); done
full_walls="ours"
for name in "${round_names[@]}"; do full_walls+=" $(f "ours_${name}_seconds")"; done
full_walls+=" s, parallel"
for name in "${round_names[@]}"; do full_walls+=" $(f "parallel_${name}_seconds")"; done
full_walls+=" s, ratio per round"
ours_ahead=0
round_ratios=()
for name in "${round_names[@]}"; do
  round_ratio=$(ratio "$(f "ours_${name}_seconds")" "$(f "parallel_${name}_seconds")")
  round_ratios+=("$round_ratio")
  full_walls+=" $round_ratio"
  [[ "$(verdict "$round_ratio" '<=' 1.0)" != met ]] || ours_ahead=$((ours_ahead + 1))
done
full_walls+="; ours at most as long in $ours_ahead of $rounds rounds"
for contender in ours parallel; do
  for measure_kind in seconds cpu; do
    values=()
    for name in "${round_names[@]}"; do values+=("$(f "${contender}_${name}_$measure_kind")"); done
    figure[${contender}_full_$measure_kind]=$(median "${values[@]}")
  done
done
measure wget_full "${wget_mirror[@]}" -P "$work/wget/3.15.4" "$base_url/$branch/"
# The rsync side's previous snapshot, a faithful copy with modification times (not timed: not over HTTP).
mkdir -p "$work/rsync"
rsync -a "$upstream/$branch/" "$work/rsync/3.15.4/"

# --- 4. incremental --------------------------------------------------------------------------------------------
say "Upstream moves to 3.15.5 with $changed of the packages changed"
gen_start=$(now)
bench_tool generate-upstream --root "$upstream" --key-dir "$signing" --packages "$packages" --bytes "$package_bytes" \
  --seed "$seed" --changed "$changed" >&2
echo "generated in $(elapsed "$gen_start" "$(now)") s" >&2
find "$upstream" -type f -exec cat {} + >/dev/null

say "Incremental update"
update_command incremental
measure ours_incremental "${update[@]}"
measure cp_r_incremental cp -r "$work/wget/3.15.4" "$work/wget/3.15.5"
measure wget_incremental "${wget_mirror[@]}" -P "$work/wget/3.15.5" "$base_url/$branch/"
measure rsync_incremental rsync -a --delete --out-format='%i %n' --link-dest="$work/rsync/3.15.4" \
  "$upstream/$branch/" "$work/rsync/3.15.5/"
# Every file rsync found new or changed must be fetched, except a netboot folder's files: ours unpacks those from
# the netboot tarball it fetches anyway.
minimum_requests=$(grep -c '^>f' "$work/logs/rsync_incremental.log" || true)
netboot_files=$(grep -c '^>f[^ ]* releases/[^/]*/netboot-[^/]*/' "$work/logs/rsync_incremental.log" || true)
minimum_requests=$((minimum_requests - netboot_files))
# The nightly case: three no-op runs, the median counts.
noop_walls=() noop_cpus=()
for i in 1 2 3; do
  update_command "noop$i"
  measure "ours_noop$i" "${update[@]}"
  noop_walls+=("$(f "ours_noop${i}_seconds")")
  noop_cpus+=("$(f "ours_noop${i}_cpu")")
done
noop_seconds=$(median "${noop_walls[@]}")
noop_cpu=$(median "${noop_cpus[@]}")

# What each incremental left behind, beside upstream's 3.15.5.
apk_listing() { (cd "$1" && find main community -name '*.apk' | sort); }
published="$(readlink -f "$ours/latest-stable")"
ours_diff=$(diff -r -q "$upstream/$branch" "$published" 2>&1 | wc -l || true)
wget_stale_index=$(cmp -s "$upstream/$branch/main/x86_64/APKINDEX.tar.gz" "$work/wget/3.15.5/main/x86_64/APKINDEX.tar.gz" && echo no || echo yes)
wget_extra_apk=$(comm -13 <(apk_listing "$upstream/$branch") <(apk_listing "$work/wget/3.15.5") | wc -l)

# --- 4b. at a distance -----------------------------------------------------------------------------------------
say "The 1 % release and a full mirror at $latency_ms ms per request (delay-proxy)"
# Started as dotnet itself, not through the bench_tool function: $! is then the proxy, which the clean-up stops.
dotnet "$work/bench-tool/AlpineMirror.Benchmarks.dll" delay-proxy --upstream-port "${base_url##*:}" --delay-ms "$latency_ms" \
  >"$work/logs/proxy.out" 2>&1 &
proxy_pid=$!
for _ in $(seq 100); do
  grep -q '^port=' "$work/logs/proxy.out" 2>/dev/null && break
  kill -0 "$proxy_pid" 2>/dev/null || { cat "$work/logs/proxy.out" >&2; fail "delay-proxy did not start"; }
  sleep 0.1
done
distant_url="http://127.0.0.1:$(sed -n 's/^port=//p' "$work/logs/proxy.out")"
# The references fetch exactly the files ours fetched, BENCH_PARALLEL lists at once through the same proxy.
parallel_reference() { # NAME FROM_REQUESTS TARGET
  awk '$3 == 200 { print base $2 }' base="$distant_url" "$work/logs/$2.requests" >"$work/$1-urls.txt"
  rm -f "$work/$1-list."*
  split -n "r/$parallel" -d "$work/$1-urls.txt" "$work/$1-list."
  measure "$1" bash -c "$parallel_wget" "$3" "$work/$1-list."*
}
update_command incremental_distant "$work/ours-latency" "$distant_url"
measure ours_incremental_distant "${update[@]}"
parallel_reference parallel_incremental_distant ours_incremental_distant "$work/parallel-incremental-distant"
update_command full_distant "$work/ours-full-distant" "$distant_url"
measure ours_full_distant "${update[@]}"
parallel_reference parallel_full_distant ours_full_distant "$work/parallel-full-distant"
kill -TERM "$proxy_pid" 2>/dev/null || true
wait "$proxy_pid" 2>/dev/null || true
proxy_pid=""

# --- 4c. scale: Plan alone -------------------------------------------------------------------------------------
say "Plan at scale: ${scale_counts[*]} packages over main, community, testing × x86_64, aarch64"
scale_rows=""
scale_cpus=()
scale_peak_mb=0
for count in "${scale_counts[@]}"; do
  scale="$work/scale-$count"
  bench_tool generate-indexes --root "$scale/previous" --key-dir "$signing" --packages "$count" \
    --repos main,community,testing --archs x86_64,aarch64 --seed "$seed" >&2
  bench_tool generate-indexes --root "$upstream/scale-$count" --key-dir "$signing" --packages "$count" \
    --repos main,community,testing --archs x86_64,aarch64 --seed "$seed" --changed "$changed" >&2
  # A published snapshot holding the previous indexes: Plan reads and verifies both sides and diffs them.
  mkdir -p "$scale/root"
  cp -r "$scale/previous/$branch" "$scale/root/3.15.4"
  ln -s 3.15.4 "$scale/root/latest-stable"
  measure "plan_$count" "${host[@]}" --target=Plan --root="$scale/root" \
    --upstream="$base_url/scale-$count/" --branch="$branch" --keys="$upstream/scale-$count/keys" \
    --repos=main,community,testing --arch=x86_64,aarch64 --releases=false --version=3.15.5
  scale_cpus+=("$(f "plan_${count}_cpu")")
  rss=$(awk -v k="$(f "plan_${count}_rss_kb")" 'BEGIN { printf "%.0f", k / 1024 }')
  if ((rss > scale_peak_mb)); then scale_peak_mb=$rss; fi
  scale_rows+="${scale_rows:+; }$count: $(f "plan_${count}_seconds") s, CPU $(f "plan_${count}_cpu") s, peak $rss MB"
done
# Linear: CPU per package at the largest count no more than 1.5 × that at the smallest (start-up is paid once, so
# this only catches growth faster than linear); beside it, what each further 1,000 packages cost between the
# first two and the last two counts (noisy on a busy machine).
marginal() { awk -v c1="$1" -v c2="$2" -v n1="$3" -v n2="$4" 'BEGIN { printf "%.3f", (c2 - c1) / (n2 - n1) * 1000 }'; }
per_thousand() { awk -v c="$1" -v n="$2" 'BEGIN { printf "%.4f", c / n * 1000 }'; }
last=$((${#scale_counts[@]} - 1))
scale_marginal_first=$(marginal "${scale_cpus[0]}" "${scale_cpus[1]}" "${scale_counts[0]}" "${scale_counts[1]}")
scale_marginal_last=$(marginal "${scale_cpus[last - 1]}" "${scale_cpus[last]}" "${scale_counts[last - 1]}" "${scale_counts[last]}")
scale_growth=$(ratio "$(per_thousand "${scale_cpus[last]}" "${scale_counts[last]}")" "$(per_thousand "${scale_cpus[0]}" "${scale_counts[0]}")")

# --- 5. snapshot -----------------------------------------------------------------------------------------------
say "Snapshot of $published"
snapshot_files=$(find "$published" -type f | wc -l)
snapshot_bytes=$(du -sb "$published" | cut -f1)
mkdir -p "$work/snap"
# Interleaved and after a sync, so that no contender pays for another's journal and writeback; each clone runs in
# its own process (cold JIT, as the Snapshot step of an update) but is timed inside it. CPU time beside wall time.
cp_al=() cp_al_cpu=() cp_r=() cp_r_cpu=() ours_clone=() ours_clone_cpu=() clone_copied=0
timed_cp() { # NAME TARGET FLAGS: appends wall and cpu seconds to the arrays NAME and NAME_cpu
  local -n walls="$1" cpus="$1_cpu"
  local start end user system
  sync
  start=$(now)
  /usr/bin/time -f '%U %S' -o "$work/logs/cp.time" cp "$3" "$published" "$2"
  end=$(now)
  walls+=("$(elapsed "$start" "$end")")
  read -r user system <"$work/logs/cp.time"
  cpus+=("$(awk -v u="$user" -v s="$system" 'BEGIN { printf "%.2f", u + s }')")
}
for i in 1 2 3; do
  timed_cp cp_al "$work/snap/cp-al-$i" -al
  sync
  bench_tool clone --source "$published" --target "$work/snap/ours-$i" | tee -a "$work/logs/clone.log" >&2
  ours_clone+=("$(sed -n 's/.* seconds=\([0-9.]*\) .*/\1/p' "$work/logs/clone.log" | tail -n 1)")
  ours_clone_cpu+=("$(sed -n 's/.* cpu_seconds=\([0-9.]*\) .*/\1/p' "$work/logs/clone.log" | tail -n 1)")
done
clone_copied=$(awk '{ for (i = 1; i <= NF; i++) if ($i ~ /^copied=/) { sub(/copied=/, "", $i); s += $i } } END { print s + 0 }' "$work/logs/clone.log")
# The copies stay until the end: deleting 10,000 files makes ext4 without a journal skip those inodes, for a minute
# or more, in every later file creation nearby, and the next contender would pay for it.
for i in 1 2 3; do
  timed_cp cp_r "$work/snap/cp-r-$i" -r
done
echo "cp -al: ${cp_al[*]} s (cpu ${cp_al_cpu[*]}); SnapshotCloner: ${ours_clone[*]} s (cpu ${ours_clone_cpu[*]}); cp -r: ${cp_r[*]} s (cpu ${cp_r_cpu[*]})" >&2
snap_ours=$(median "${ours_clone[@]}")
snap_cp_al=$(median "${cp_al[@]}")
snap_cp_r=$(median "${cp_r[@]}")
snap_ours_cpu=$(median "${ours_clone_cpu[@]}")
snap_cp_al_cpu=$(median "${cp_al_cpu[@]}")
snap_cp_r_cpu=$(median "${cp_r_cpu[@]}")

# --- 6. report -------------------------------------------------------------------------------------------------
sum() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a + b }'; }
rss_mb() { awk -v k="$(f "$1_rss_kb")" 'BEGIN { printf "%.0f", k / 1024 }'; }
full_files=$(wc -l <"$work/full-urls.txt")
# The verdict takes the median of each round's own ratio: ours and the reference of one round ran side by side, so a
# machine that slows down over the run moves both; the ratio of the two medians can pair a fast round with a slow one.
full_ratio=$(median "${round_ratios[@]}")
full_distant_ratio=$(ratio "$(f ours_full_distant_seconds)" "$(f parallel_full_distant_seconds)")
per_file_ms() { awk -v c="$1" -v n="$full_files" 'BEGIN { printf "%.3f", c / n * 1000 }'; }
procedure_seconds=$(sum "$(f cp_r_incremental_seconds)" "$(f wget_incremental_seconds)")
procedure_cpu=$(sum "$(f cp_r_incremental_cpu)" "$(f wget_incremental_cpu)")
incremental_ratio=$(ratio "$(f ours_incremental_seconds)" "$procedure_seconds")
rsync_ratio=$(ratio "$(f ours_incremental_seconds)" "$(f rsync_incremental_seconds)")
# The generator writes no .asc signatures (nothing here can make OpenPGP ones); ours asks for each image's and gets
# a 404. Upstream has them, so they would be among the files to fetch: the ratio counts only the files served.
ours_fetched=$(awk '$3 == 200' "$work/logs/ours_incremental.requests" | wc -l)
ours_missing=$(awk '$3 == 404' "$work/logs/ours_incremental.requests" | wc -l)
request_ratio=$(ratio "$ours_fetched" "$minimum_requests")
snapshot_ratio=$(ratio "$snap_ours" "$snap_cp_al")
peak_rss=$(awk -v a="$(f ours_full_rss_kb)" -v b="$(f ours_incremental_rss_kb)" 'BEGIN { printf "%.0f", (a > b ? a : b) / 1024 }')
load_end=$(cut -d' ' -f1-3 /proc/loadavg)
revision=$(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo "no git")
[[ -z "$(git -C "$repo" status --porcelain -- src build 2>/dev/null)" ]] || revision+=" with uncommitted changes in src/ or build/"

cat <<EOF

## AlpineMirror bench/update.sh — $(date -u +%Y-%m-%d) on $(nproc) cores, $revision
upstream: $packages packages of ~$package_bytes bytes, $changed changed; nginx $("$nginx_bin" -v 2>&1 | sed 's|.*/||') on 127.0.0.1, warm cache; --parallel=$parallel
load average: $load_start at the start, $load_end at the end$(awk -v l="${load_start%% *}" -v n="$(nproc)" 'BEGIN { if (l > n) printf " — busier than %d cores: wall times include waiting for a CPU; compare the CPU column too", n }')

| measure | ours (wall, CPU) | reference (wall, CPU) | ratio wall | ratio CPU | target | verdict |
|---|---|---|---|---|---|---|
| full mirror, $full_files files, $(mb "$(f ours_full_bytes)") MB, every byte verified, medians of $rounds rounds; ratio: the median round's | $(f ours_full_seconds) s, $(f ours_full_cpu) s | $parallel parallel \`wget -i\` of the same files: $(f parallel_full_seconds) s, $(f parallel_full_cpu) s | $full_ratio | $(ratio "$(f ours_full_cpu)" "$(f parallel_full_cpu)") | ≤ 1.00 | $(verdict "$full_ratio" '<=' 1.0) |
| new $changed point release, verified and published | $(f ours_incremental_seconds) s, $(f ours_incremental_cpu) s | rsync -a --delete --link-dest, local file system, no daemon: $(f rsync_incremental_seconds) s, $(f rsync_incremental_cpu) s | $rsync_ratio | $(ratio "$(f ours_incremental_cpu)" "$(f rsync_incremental_cpu)") | ≤ 1.00 | $(verdict "$rsync_ratio" '<=' 1.0) |
| no-op update, median of 3 | $noop_seconds s, $noop_cpu s; $(f ours_noop1_requests) requests ($(status_counts ours_noop1)) | — | — | — | ≤ 0.40 s | $(verdict "$noop_seconds" '<=' 0.4) |
| no-op requests | $(f ours_noop1_requests), $(f ours_noop2_requests), $(f ours_noop3_requests) | — | — | — | ≤ 3 | $(verdict "$(printf '%s\n' "$(f ours_noop1_requests)" "$(f ours_noop2_requests)" "$(f ours_noop3_requests)" | sort -g | tail -n 1)" '<=' 3) |
| the $changed release at $latency_ms ms per request | $(f ours_incremental_distant_seconds) s, $(f ours_incremental_distant_cpu) s | the changed files alone, $parallel parallel \`wget -i\`: $(f parallel_incremental_distant_seconds) s, $(f parallel_incremental_distant_cpu) s | $(ratio "$(f ours_incremental_distant_seconds)" "$(f parallel_incremental_distant_seconds)") | — | ≤ 1.50 s | $(verdict "$(f ours_incremental_distant_seconds)" '<=' 1.5) |
| full mirror at $latency_ms ms per request | $(f ours_full_distant_seconds) s, $(f ours_full_distant_cpu) s | $parallel parallel \`wget -i\` of the same files: $(f parallel_full_distant_seconds) s, $(f parallel_full_distant_cpu) s | $full_distant_ratio | $(ratio "$(f ours_full_distant_cpu)" "$(f parallel_full_distant_cpu)") | ≤ 1.00 | $(verdict "$full_distant_ratio" '<=' 1.0) |
| Plan at scale (${scale_counts[*]} packages, 6 indexes) | $scale_rows | — | CPU per 1,000 packages at ${scale_counts[last]} ÷ at ${scale_counts[0]}: $scale_growth (each further 1,000: $scale_marginal_first s, then $scale_marginal_last s) | — | linear (≤ 1.50) | $(verdict "$scale_growth" '<=' 1.5) |
| Plan at scale, peak memory | $scale_peak_mb MB at ${scale_counts[last]} packages | — | — | — | < 250 MB | $(verdict "$scale_peak_mb" '<=' 250) |
| full mirror vs the same downloads made durable (not a target) | $(f ours_full_seconds) s, $(f ours_full_cpu) s | $parallel parallel \`wget -i\`, then \`sync\` (ours syncs staging before it publishes): $(f parallel_full_synced_seconds) s, $(f parallel_full_synced_cpu) s | $(ratio "$(f ours_full_seconds)" "$(f parallel_full_synced_seconds)") | $(ratio "$(f ours_full_cpu)" "$(f parallel_full_synced_cpu)") | — | — |
| CPU per file, full mirror | $(per_file_ms "$(f ours_full_cpu)") ms | parallel wget $(per_file_ms "$(f parallel_full_cpu)") ms | — | $(ratio "$(f ours_full_cpu)" "$(f parallel_full_cpu)") | — | — |
| full mirror vs wget --mirror | $(f ours_full_seconds) s, $(f ours_full_cpu) s | $(f wget_full_seconds) s, $(f wget_full_cpu) s | $(ratio "$(f ours_full_seconds)" "$(f wget_full_seconds)") | $(ratio "$(f ours_full_cpu)" "$(f wget_full_cpu)") | — | — |
| the $changed release vs the manual procedure | $(f ours_incremental_seconds) s, $(f ours_incremental_cpu) s | cp -r ($(f cp_r_incremental_seconds) s) + wget --mirror ($(f wget_incremental_seconds) s) = $procedure_seconds s, $procedure_cpu s | $incremental_ratio | $(ratio "$(f ours_incremental_cpu)" "$procedure_cpu") | — | — |
| the $changed release, requests | $(f ours_incremental_requests): $ours_fetched files + $ours_missing × 404 (.asc the generator does not write) | minimum $minimum_requests (files new or changed upstream, less $netboot_files netboot files unpacked from its tarball); wget $(f wget_incremental_requests) ($(status_counts wget_incremental)) | files $request_ratio of minimum; requests $(ratio "$(f ours_incremental_requests)" "$(f wget_incremental_requests)") of wget | — | files = minimum | $(verdict "$request_ratio" '<=' 1.0) |
| snapshot, $snapshot_files files, $(mb "$snapshot_bytes") MB, median of 3 | SnapshotCloner $snap_ours s, $snap_ours_cpu s | cp -al $snap_cp_al s, $snap_cp_al_cpu s | $snapshot_ratio | $(ratio "$snap_ours_cpu" "$snap_cp_al_cpu") | ≤ 1.50 | $(verdict "$snapshot_ratio" '<=' 1.5) |
| snapshot vs cp -r | $snap_ours s, $snap_ours_cpu s | cp -r $snap_cp_r s, $snap_cp_r_cpu s | $(ratio "$snap_ours" "$snap_cp_r") ($(ratio "$snap_cp_r" "$snap_ours")× faster) | $(ratio "$snap_ours_cpu" "$snap_cp_r_cpu") | — | — |
| peak memory (max RSS) | full $(rss_mb ours_full) MB, incremental $(rss_mb ours_incremental) MB | wget --mirror $(rss_mb wget_full) MB | — | — | < 300 MB | $(verdict "$peak_rss" '<=' 300) |

ours, step by step (the host's task summary): full: $(task_times ours_full); incremental: $(task_times ours_incremental); no-op: $(task_times ours_noop1); incremental at $latency_ms ms: $(task_times ours_incremental_distant); full at $latency_ms ms: $(task_times ours_full_distant)
full mirror rounds: $full_walls
no-op runs: ${noop_walls[*]} s (CPU ${noop_cpus[*]} s)
requests: ours full: $(request_kinds ours_full); ours incremental: $(request_kinds ours_incremental); no-op: $(request_kinds ours_noop1)
connections: ours full $(f ours_full_connections), parallel $(f parallel_full_connections), ours incremental $(f ours_incremental_connections), wget incremental $(f wget_incremental_connections), ours full at $latency_ms ms $(f ours_full_distant_connections)
snapshot runs: SnapshotCloner ${ours_clone[*]} s (CPU ${ours_clone_cpu[*]}), $clone_copied files copied instead of linked; cp -al ${cp_al[*]} s; cp -r ${cp_r[*]} s
left behind: ours 3.15.5 vs upstream: $ours_diff differences; wget 3.15.5: stale APKINDEX $wget_stale_index, $wget_extra_apk .apk files upstream no longer lists
EOF
