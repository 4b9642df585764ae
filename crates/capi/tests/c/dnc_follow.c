/*
 * dnc_follow.c: a C host following the DNC stream on a thread it owns, as a Kamailio module
 * would. Run by crates/capi/tests/c_dnc_follow.rs against a real redis-server on loopback:
 *
 *   dnc_follow POLICY URL PREFIX
 *
 * Opens the engine, makes a follower (nothing connects, no thread starts), runs
 * chanrac_dnc_follow() on a pthread, prints "following?" and waits for a line on standard input
 * (the test appends a DNC entry meanwhile), waits (at most 20 s) until the follower has applied
 * it, checks an ad call to the number (blocked DNC), stops the follower, joins the thread and
 * frees everything. Prints one fact a line; exits 1 on any unexpected result.
 */
#define _POSIX_C_SOURCE 200809L

#include <inttypes.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "chanrac.h"

/* 2026-03-02 09:00 in Vietnam (UTC+7), as Unix seconds. */
#define NINE INT64_C(1772416800)

static int failures = 0;

static void fail(const char *what) {
    printf("UNEXPECTED: %s\n", what);
    fflush(stdout);
    failures++;
}

struct job {
    const chanrac_engine *engine;
    const chanrac_dnc_follower *follower;
    int rc;
    char message[256];
};

static void *follow(void *arg) {
    struct job *job = arg;
    chanrac_error *err = NULL;
    job->rc = chanrac_dnc_follow(job->engine, job->follower, &err);
    if (err) {
        snprintf(job->message, sizeof job->message, "%s", chanrac_error_message(err));
        chanrac_error_free(err);
    }
    return NULL;
}

static const char *decide(const chanrac_engine *eng, const char *rcpt, char *codes, size_t len) {
    chanrac_event ev;
    chanrac_event_init(&ev);
    ev.unix_time = NINE;
    ev.channel = "call";
    ev.kind = "ad";
    ev.source = "024 7300 1234";
    ev.advertiser = "ngoisao";
    ev.recipient = rcpt;
    chanrac_verdict v;
    chanrac_error *err = NULL;
    if (chanrac_check(eng, &ev, &v, &err) != CHANRAC_OK) {
        fail(chanrac_error_message(err));
        chanrac_error_free(err);
        return "error";
    }
    chanrac_reason_codes(v.reasons, codes, len);
    return v.decision == CHANRAC_BLOCK ? "block" : "allow";
}

int main(int argc, char **argv) {
    if (argc != 4) {
        fprintf(stderr, "usage: dnc_follow POLICY URL PREFIX\n");
        return 2;
    }
    chanrac_error *err = NULL;
    chanrac_engine *eng = chanrac_engine_open(argv[1], NULL, &err);
    if (!eng) {
        printf("open: %s\n", chanrac_error_message(err));
        return 1;
    }

    /* Bad arguments fail at once, with a message. */
    if (chanrac_dnc_follower_new(eng, "http://127.0.0.1:1", NULL, NULL, &err) != NULL) {
        fail("an http URL makes a follower");
    } else {
        printf("bad url: error %d\n", chanrac_error_code(err));
        chanrac_error_free(err);
        err = NULL;
    }
    if (chanrac_dnc_follower_new(eng, argv[2], argv[3], "x-1", &err) != NULL) {
        fail("a bad position makes a follower");
    } else {
        printf("bad from: error %d\n", chanrac_error_code(err));
        chanrac_error_free(err);
        err = NULL;
    }

    chanrac_dnc_follower *f = chanrac_dnc_follower_new(eng, argv[2], argv[3], NULL, &err);
    if (!f) {
        printf("follower: %s\n", chanrac_error_message(err));
        return 1;
    }
    uint64_t ms = 1, seq = 1;
    chanrac_dnc_follower_position(f, &ms, &seq);
    printf("position %" PRIu64 "-%" PRIu64 ", applied %" PRIu64 "\n", ms, seq,
           chanrac_dnc_follower_applied(f));

    printf("scopes before %d\n", chanrac_dnc_lookup(eng, "0912000301", NULL));

    struct job job = {eng, f, -1, ""};
    pthread_t thread;
    if (pthread_create(&thread, NULL, follow, &job) != 0) {
        fail("pthread_create");
        return 1;
    }
    printf("following?\n");
    fflush(stdout);
    char line[64];
    if (!fgets(line, sizeof line, stdin)) {
        fail("no go-ahead on stdin");
    }

    /* Wait until the entry is applied: at most 20 s. */
    for (int i = 0; i < 2000 && chanrac_dnc_follower_applied(f) < 1; i++) {
        struct timespec ten_ms = {0, 10 * 1000 * 1000};
        nanosleep(&ten_ms, NULL);
    }
    chanrac_dnc_follower_position(f, &ms, &seq);
    printf("applied %" PRIu64 ", position %" PRIu64 "-%" PRIu64 "\n",
           chanrac_dnc_follower_applied(f), ms, seq);
    printf("scopes after %d\n", chanrac_dnc_lookup(eng, "0912000301", NULL));
    char codes[128];
    const char *d = decide(eng, "0912000301", codes, sizeof codes);
    printf("after: %s %s\n", d, codes[0] ? codes : "-");

    if (chanrac_dnc_follow_stop(f) != CHANRAC_OK) {
        fail("stop");
    }
    pthread_join(thread, NULL);
    printf("follow returned %d%s%s\n", job.rc, job.message[0] ? ": " : "", job.message);
    /* Stopped stays stopped: a second run returns at once. */
    printf("again %d\n", chanrac_dnc_follow(eng, f, NULL));
    chanrac_dnc_follower_free(f);
    chanrac_dnc_follower_free(NULL);
    chanrac_engine_free(eng);
    if (failures) {
        return 1;
    }
    printf("ok\n");
    return 0;
}
