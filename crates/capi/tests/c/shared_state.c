/*
 * shared_state.c: the C ABI on a shared store (redis://), as a host with forked workers uses it
 * (Kamailio opens its modules in the parent, then forks 8-32 workers). Run by
 * crates/capi/tests/c_shared_state.rs against a real redis-server on loopback:
 *
 *   shared_state race POLICY URL     open (nothing connects), fork 4 workers that race for the
 *                                    same ad calls, then fork 4 more after the parent has used
 *                                    its own connection, racing for ad SMS; exact caps across all
 *   shared_state outage POLICY URL   checks while the test kills and restarts the server: the
 *                                    fail mode with STATE_UNAVAILABLE, no hang, then right again
 *   shared_state badurl POLICY       a URL that does not parse fails to open; a store that is
 *                                    down does not (nothing connects at the open)
 *   shared_state calls POLICY URL    4 forked workers try the ad calls of round 1 while other
 *                                    processes (chanrac-sip) try the same pairs; prints what
 *                                    the workers got through
 *
 * Prints what it saw, one fact a line, and exits 1 on any unexpected result. Steps that need the
 * test to act first print a line ending in "?" and wait for a line on standard input.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "chanrac.h"

/* 2026-03-02 00:00 in Vietnam (UTC+7), as Unix seconds. */
#define DAY INT64_C(1772384400)
#define AT(h, m) (DAY + (h) * INT64_C(3600) + (m) * INT64_C(60))

#define WORKERS 4
#define PAIRS 20
#define TRIES 3

static int failures = 0;

static void fail(const char *what) {
    printf("UNEXPECTED: %s\n", what);
    fflush(stdout);
    failures++;
}

static const char *QC_BANK = "[QC] NgoiSaoBank: Vay mua nhà lãi suất ưu đãi 6,5%/năm cố định 12 "
                             "tháng, duyệt hồ sơ trong 48h. Từ chối soạn TC gửi 9029";

/* The recipient of pair `i`: 0912000100, 0912000101... */
static void recipient(int i, char *buf, size_t len) {
    snprintf(buf, len, "09120%05d", 100 + i);
}

static chanrac_event call(int64_t t, const char *rcpt) {
    chanrac_event ev;
    chanrac_event_init(&ev);
    ev.unix_time = t;
    ev.channel = "call";
    ev.kind = "ad";
    ev.source = "024 7300 1234";
    ev.advertiser = "ngoisao";
    ev.recipient = rcpt;
    return ev;
}

static chanrac_event sms(int64_t t, const char *kind, const char *rcpt) {
    chanrac_event ev;
    chanrac_event_init(&ev);
    ev.unix_time = t;
    ev.channel = "sms";
    ev.kind = kind;
    ev.source = "NGOISAOBANK";
    ev.advertiser = "ngoisao";
    ev.recipient = rcpt;
    ev.text = QC_BANK;
    return ev;
}

/* The threads of this process (Linux), to show that the library starts none; -1 elsewhere. */
static int threads(void) {
    int n = -1;
#ifdef __linux__
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    while (f && fgets(line, sizeof line, f)) {
        if (sscanf(line, "Threads: %d", &n) == 1) {
            break;
        }
    }
    if (f) {
        fclose(f);
    }
#endif
    return n;
}

static double now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* Waits for the test's line on standard input after printing `prompt`. */
static void ask(const char *prompt) {
    char line[64];
    printf("%s?\n", prompt);
    fflush(stdout);
    if (!fgets(line, sizeof line, stdin)) {
        fail("no answer on standard input");
        exit(1);
    }
}

/* What one worker saw. */
struct tally {
    int allowed[PAIRS];
    int unavailable;
    int errors;
    int miscounted; /* `counted` not 1 exactly when allowed */
    int threads;
};

/* One check, tallied. */
static void tally_check(const chanrac_engine *eng, chanrac_event ev, int pair, struct tally *t) {
    chanrac_verdict v = {-1, 0, -1, 0};
    chanrac_error *err = NULL;
    if (chanrac_check(eng, &ev, &v, &err) != CHANRAC_OK) {
        chanrac_error_free(err);
        t->errors++;
        return;
    }
    if (v.reasons & CHANRAC_REASON_STATE_UNAVAILABLE) {
        t->unavailable++;
    }
    if (v.decision == CHANRAC_ALLOW) {
        t->allowed[pair]++;
    }
    if ((v.counted == 1) != (v.decision == CHANRAC_ALLOW)) {
        t->miscounted++;
    }
}

/* Forks WORKERS workers that wait at one barrier, then each run `work`; sums what they saw. */
static struct tally race(const chanrac_engine *eng,
                         void (*work)(const chanrac_engine *, int, struct tally *)) {
    struct tally sum;
    memset(&sum, 0, sizeof sum);
    int barrier[2];
    int results[WORKERS][2];
    pid_t pids[WORKERS];
    if (pipe(barrier) != 0) {
        fail("pipe");
        return sum;
    }
    fflush(stdout);
    for (int w = 0; w < WORKERS; w++) {
        if (pipe(results[w]) != 0) {
            fail("pipe");
            return sum;
        }
        pids[w] = fork();
        if (pids[w] < 0) {
            fail("fork");
            return sum;
        }
        if (pids[w] == 0) {
            close(barrier[1]);
            close(results[w][0]);
            char go;
            /* Returns 0 (end of file) once the parent has forked every worker. */
            while (read(barrier[0], &go, 1) < 0 && errno == EINTR) {
            }
            struct tally t;
            memset(&t, 0, sizeof t);
            work(eng, w, &t);
            t.threads = threads();
            ssize_t n = write(results[w][1], &t, sizeof t);
            _exit(n == (ssize_t)sizeof t ? 0 : 3);
        }
        close(results[w][1]);
    }
    close(barrier[0]);
    close(barrier[1]); /* go */
    for (int w = 0; w < WORKERS; w++) {
        struct tally t;
        size_t got = 0;
        while (got < sizeof t) {
            ssize_t n = read(results[w][0], (char *)&t + got, sizeof t - got);
            if (n <= 0) {
                break;
            }
            got += (size_t)n;
        }
        close(results[w][0]);
        int status = 0;
        if (waitpid(pids[w], &status, 0) != pids[w] || !WIFEXITED(status) ||
            WEXITSTATUS(status) != 0 || got != sizeof t) {
            fail("a worker died");
            continue;
        }
        for (int i = 0; i < PAIRS; i++) {
            sum.allowed[i] += t.allowed[i];
        }
        sum.unavailable += t.unavailable;
        sum.errors += t.errors;
        sum.miscounted += t.miscounted;
        if (t.threads > sum.threads) {
            sum.threads = t.threads;
        }
    }
    return sum;
}

/* Round 1: every worker tries every pair's ad call TRIES times (the cap is 1 per 24 hours), all
 * stamped 09:00: the workers race at the same moment (and never present an event older than one
 * another worker has already counted). */
static void calls(const chanrac_engine *eng, int w, struct tally *t) {
    char rcpt[16];
    (void)w; /* every worker goes through the pairs in the same order, at once */
    for (int k = 0; k < TRIES; k++) {
        for (int i = 0; i < PAIRS; i++) {
            recipient(i, rcpt, sizeof rcpt);
            tally_check(eng, call(AT(9, 0), rcpt), i, t);
        }
    }
}

/* Round 2: every worker sends every pair's ad SMS TRIES times (the cap is 3 per 24 hours), all
 * stamped 11:00. */
static void texts(const chanrac_engine *eng, int w, struct tally *t) {
    char rcpt[16];
    for (int k = 0; k < TRIES; k++) {
        for (int j = 0; j < PAIRS; j++) {
            int i = (j + w * 5) % PAIRS;
            recipient(i, rcpt, sizeof rcpt);
            tally_check(eng, sms(AT(11, 0), "ad", rcpt), i, t);
        }
    }
}

/* Prints a round's allowed counts per pair, and checks them against `want`. */
static void report(const char *what, struct tally s, const int *want) {
    printf("%s allowed per pair:", what);
    int ok = 1;
    for (int i = 0; i < PAIRS; i++) {
        printf(" %d", s.allowed[i]);
        ok &= s.allowed[i] == want[i];
    }
    printf("\n%s unavailable %d errors %d miscounted %d worker threads %d\n", what, s.unavailable,
           s.errors, s.miscounted, s.threads);
    if (!ok || s.unavailable || s.errors || s.miscounted) {
        fail(what);
    }
}

static chanrac_verdict check(const chanrac_engine *eng, chanrac_event ev) {
    chanrac_verdict v = {-1, 0, -1, 0};
    chanrac_error *err = NULL;
    if (chanrac_check(eng, &ev, &v, &err) != CHANRAC_OK) {
        printf("check error: %s\n", chanrac_error_message(err));
        chanrac_error_free(err);
        fail("check");
    }
    return v;
}

/* Prints "label decision codes". */
static chanrac_verdict show(const chanrac_engine *eng, const char *label, chanrac_event ev) {
    chanrac_verdict v = check(eng, ev);
    char codes[512];
    size_t n = chanrac_reason_codes(v.reasons, codes, sizeof codes);
    printf("%s %s %s\n", label, chanrac_decision_name(v.decision), n ? codes : "-");
    return v;
}

static chanrac_store_stats store_stats(const chanrac_engine *eng) {
    chanrac_store_stats s;
    memset(&s, 0, sizeof s);
    if (chanrac_engine_store_stats(eng, &s, NULL) != CHANRAC_OK) {
        fail("store stats");
    }
    return s;
}

static int race_mode(const char *policy, const char *url) {
    chanrac_error *err = NULL;
    /* A generous deadline: a loaded machine must not turn an exact count into the fail mode. */
    chanrac_engine *eng = chanrac_engine_open_store(policy, url, CHANRAC_MODE_ENFORCE, 10000,
                                                    CHANRAC_ON_STORE_ERROR_BLOCK, &err);
    if (!eng) {
        printf("open: %s\n", chanrac_error_message(err));
        chanrac_error_free(err);
        return 1;
    }
    /* The test counts the store's clients now: the open connected nothing. */
    ask("opened");

    int want[PAIRS];
    for (int i = 0; i < PAIRS; i++) {
        want[i] = 1;
    }
    report("calls", race(eng, calls), want);

    /* The parent checks too (its own connection, which the next workers must not share): one ad
     * SMS to pair 0, and pair 1 opts out. */
    char rcpt[16];
    recipient(0, rcpt, sizeof rcpt);
    show(eng, "parent sms pair 0", sms(AT(10, 0), "ad", rcpt));
    recipient(1, rcpt, sizeof rcpt);
    chanrac_verdict v = show(eng, "parent optout pair 1", sms(AT(10, 1), "optout", rcpt));
    if (v.counted != 1) {
        fail("the opt-out was not stored");
    }

    for (int i = 0; i < PAIRS; i++) {
        want[i] = 3;
    }
    want[0] = 2; /* the parent sent one */
    want[1] = 0; /* opted out: REFUSED */
    report("texts", race(eng, texts), want);

    chanrac_store_stats s = store_stats(eng);
    printf("parent store shared %d unavailable %llu\n", s.shared, (unsigned long long)s.unavailable);
    if (s.shared != 1 || s.unavailable != 0 || s.checks < 2) {
        fail("parent store stats");
    }
    chanrac_engine_free(eng);
    printf(failures ? "FAILED\n" : "ok\n");
    return failures ? 1 : 0;
}

static int calls_mode(const char *policy, const char *url) {
    chanrac_error *err = NULL;
    chanrac_engine *eng = chanrac_engine_open_store(policy, url, CHANRAC_MODE_ENFORCE, 10000,
                                                    CHANRAC_ON_STORE_ERROR_BLOCK, &err);
    if (!eng) {
        printf("open: %s\n", chanrac_error_message(err));
        chanrac_error_free(err);
        return 1;
    }
    struct tally s = race(eng, calls);
    printf("calls allowed per pair:");
    for (int i = 0; i < PAIRS; i++) {
        printf(" %d", s.allowed[i]);
    }
    printf("\ncalls unavailable %d errors %d miscounted %d\n", s.unavailable, s.errors,
           s.miscounted);
    if (s.unavailable || s.errors || s.miscounted) {
        fail("calls");
    }
    chanrac_engine_free(eng);
    printf(failures ? "FAILED\n" : "ok\n");
    return failures ? 1 : 0;
}

static int outage_mode(const char *policy, const char *url) {
    chanrac_error *err = NULL;
    /* The defaults: a 50 ms store deadline, block on store errors. */
    chanrac_engine *eng = chanrac_engine_open(policy, url, &err);
    if (!eng) {
        printf("open: %s\n", chanrac_error_message(err));
        chanrac_error_free(err);
        return 1;
    }
    char a[16], b[16];
    recipient(0, a, sizeof a);
    recipient(1, b, sizeof b);
    if (show(eng, "up", call(AT(9, 0), a)).decision != CHANRAC_ALLOW) {
        fail("up");
    }

    ask("kill");
    double slowest = 0;
    for (int k = 0; k < 5; k++) {
        double t0 = now_ms();
        chanrac_verdict v = check(eng, call(AT(9, 1 + k), b));
        double took = now_ms() - t0;
        slowest = took > slowest ? took : slowest;
        if (v.decision != CHANRAC_BLOCK || v.reasons != CHANRAC_REASON_STATE_UNAVAILABLE ||
            v.counted != 0) {
            fail("down");
        }
    }
    printf("down block STATE_UNAVAILABLE x5\n");
    printf("down slowest ms %.0f\n", slowest);
    chanrac_store_stats s = store_stats(eng);
    printf("down store unavailable %llu\n", (unsigned long long)s.unavailable);

    ask("restart");
    /* The connection comes back by itself: no reopening of the engine. */
    int tries = 0;
    chanrac_verdict v;
    do {
        if (tries) {
            struct timespec pause = {0, 50 * 1000 * 1000};
            nanosleep(&pause, NULL);
        }
        v = check(eng, call(AT(10, 0), b));
        tries++;
    } while ((v.reasons & CHANRAC_REASON_STATE_UNAVAILABLE) && tries < 200);
    char codes[512];
    size_t n = chanrac_reason_codes(v.reasons, codes, sizeof codes);
    printf("back %s %s\n", chanrac_decision_name(v.decision), n ? codes : "-");
    if (v.decision != CHANRAC_ALLOW) {
        fail("back");
    }
    if (show(eng, "again", call(AT(10, 1), b)).reasons != CHANRAC_REASON_FREQUENCY) {
        fail("again");
    }
    chanrac_engine_free(eng);
    printf(failures ? "FAILED\n" : "ok\n");
    return failures ? 1 : 0;
}

static int badurl_mode(const char *policy) {
    chanrac_error *err = NULL;
    chanrac_engine *eng = chanrac_engine_open(policy, "redis://:bad", &err);
    if (eng) {
        fail("a bad URL opened");
        chanrac_engine_free(eng);
    } else {
        printf("bad url: error %d: %s\n", chanrac_error_code(err), chanrac_error_message(err));
        chanrac_error_free(err);
        err = NULL;
    }
    /* Port 1 on loopback: nothing listens, and nothing is tried at the open. */
    eng = chanrac_engine_open(policy, "redis://127.0.0.1:1", &err);
    if (!eng) {
        printf("open: %s\n", chanrac_error_message(err));
        chanrac_error_free(err);
        fail("a store that is down failed the open");
    } else {
        printf("store down: opened\n");
        chanrac_engine_free(eng);
    }
    printf(failures ? "FAILED\n" : "ok\n");
    return failures ? 1 : 0;
}

int main(int argc, char **argv) {
    /* Never hang a test run: a check that blocked for good would end here. */
    alarm(120);
    if (argc == 4 && strcmp(argv[1], "race") == 0) {
        return race_mode(argv[2], argv[3]);
    }
    if (argc == 4 && strcmp(argv[1], "outage") == 0) {
        return outage_mode(argv[2], argv[3]);
    }
    if (argc == 4 && strcmp(argv[1], "calls") == 0) {
        return calls_mode(argv[2], argv[3]);
    }
    if (argc == 3 && strcmp(argv[1], "badurl") == 0) {
        return badurl_mode(argv[2]);
    }
    fprintf(stderr, "usage: shared_state race|outage|calls POLICY URL | badurl POLICY\n");
    return 2;
}
