#!/usr/bin/env bash
# The one command that runs every test: installs what it needs, then
#   1. ASan+UBSan build, every ctest test (unit, multi-process, crash, root netns, CNI, runtime);
#   2. TSan build, the lock-free tests (ctest -L lockfree);
#   3. the production build (`cmake -S . -B build` defaults: statically linked plugin, no
#      sanitizer): the tests that exec the built binaries, against exactly what ships;
#   4. clang libFuzzer build, each fuzz target briefly over its seed corpus (when clang exists).
# Ends with one line: "N passed, N failed, N skipped".
set -uo pipefail
cd "$(dirname "$0")/.."
top=$PWD
jobs=${RP_JOBS:-$(nproc)}
fuzz_secs=${RP_FUZZ_SECONDS:-15}
out=${RP_TEST_OUT:-$top/build-test}
mkdir -p "$out"

bash scripts/deps.sh || { echo "0 passed, 1 failed"; exit 1; }

passed=0 failed=0 skipped=0
failures=()

# ctest_run NAME BUILD_DIR [ctest args...]: adds its counts to the totals.
ctest_run() {
	local name=$1 dir=$2; shift 2
	local log="$out/$name.log"
	(cd "$dir" && ctest --output-on-failure --no-tests=error -j "$jobs" "$@") 2>&1 | tee "$log"
	local p f s
	p=$(grep -cE '^ *[0-9]+/[0-9]+ Test +#[0-9]+: .* +Passed' "$log")
	f=$(grep -cE '^ *[0-9]+/[0-9]+ Test +#[0-9]+: .*(\*\*\*Failed|\*\*\*Timeout|\*\*\*Exception|Not Run|SEGFAULT|Child aborted)' "$log")
	s=$(grep -cE '^ *[0-9]+/[0-9]+ Test +#[0-9]+: .*\*\*\*Skipped' "$log")
	if ! grep -qE 'tests passed|tests failed' "$log"; then
		f=$((f + 1))
		failures+=("$name: ctest did not run")
	fi
	passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
	[ "$f" -eq 0 ] || failures+=("$name: $f failed")
	grep -E '^ *[0-9]+/[0-9]+ Test .*\*\*\*Skipped' "$log" | sed 's/^ */  skipped: /' || true
	# the reasons the skipped tests printed (ctest keeps every test's output here)
	grep -h "SKIP" "$dir"/Testing/Temporary/LastTest*.log 2>/dev/null | sort -u | sed 's/^/    /' || true
}

build() {
	local dir=$1; shift
	if ! { cmake -S "$top" -B "$dir" "$@" >"$dir.configure.log" 2>&1 &&
	       cmake --build "$dir" -j "$jobs" >"$dir.build.log" 2>&1; }; then
		tail -50 "$dir.configure.log" "$dir.build.log" 2>/dev/null
		return 1
	fi
}

echo "== 1/4 ASan+UBSan build and full test suite"
if build "$out/asan" -DRP_SANITIZE=address -DCMAKE_BUILD_TYPE=RelWithDebInfo -DRP_BENCH=OFF; then
	ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1} \
	UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
		ctest_run asan "$out/asan"
else
	failed=$((failed + 1)); failures+=("asan build failed")
fi

echo "== 2/4 TSan build, lock-free tests"
if build "$out/tsan" -DRP_SANITIZE=thread -DCMAKE_BUILD_TYPE=RelWithDebInfo -DRP_BENCH=OFF; then
	TSAN_OPTIONS=${TSAN_OPTIONS:-halt_on_error=1:second_deadlock_stack=1} RP_TEST_SCALE=${RP_TEST_SCALE_TSAN:-0.2} \
		ctest_run tsan "$out/tsan" -L lockfree
else
	failed=$((failed + 1)); failures+=("tsan build failed")
fi

echo "== 3/4 production build (static plugin), the tests that exec the binaries"
if build "$out/release" -DRP_BENCH=OFF; then
	ctest_run release "$out/release" -R "test_cni_|test_attach|test_ctl|test_runtime|test_storm"
else
	failed=$((failed + 1)); failures+=("production build failed")
fi

echo "== 4/4 libFuzzer targets, ${fuzz_secs}s each over their seed corpora"
if command -v clang >/dev/null && command -v clang++ >/dev/null; then
	if build "$out/fuzz" -DRP_FUZZ=ON -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ -DRP_BENCH=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo; then
		shopt -s nullglob
		targets=()
		for t in "$out"/fuzz/fuzz/fuzz_*; do
			[ -f "$t" ] && [ -x "$t" ] && targets+=("$t")
		done
		if [ ${#targets[@]} -eq 0 ]; then
			echo "  no fuzz targets built"; failed=$((failed + 1)); failures+=("no fuzz targets")
		fi
		for t in "${targets[@]}"; do
			n=$(basename "$t")
			work="$out/fuzz-$n"; rm -rf "$work"; mkdir -p "$work"
			corpus=("$top/fuzz/corpus/$n")
			[ -d "${corpus[0]}" ] || corpus=()
			(cd "$work" && ASAN_OPTIONS=detect_leaks=1 exec "$t" -max_total_time="$fuzz_secs" -rss_limit_mb=2048 \
				-timeout=10 -print_final_stats=0 "$work" "${corpus[@]}") >"$work/log" 2>&1 &
			pid=$!
			if wait "$pid"; then
				echo "  $n: ok ($(grep -oE '#[0-9]+' "$work/log" | tail -1 | tr -d '#') runs)"
				passed=$((passed + 1))
			else
				echo "  $n: FAILED"; tail -40 "$work/log"
				failed=$((failed + 1)); failures+=("fuzz $n")
			fi
			# a target that crashed or timed out inside an input leaves its per-process store files
			rm -f "/dev/shm/rpfuzz$pid.shm" "/dev/shm/rpfuzzpreset$pid-"*.shm
		done
	else
		failed=$((failed + 1)); failures+=("fuzz build failed")
	fi
else
	echo "  SKIP: clang not installed"; skipped=$((skipped + 1))
fi

echo
for f in "${failures[@]}"; do echo "FAILED: $f"; done
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
