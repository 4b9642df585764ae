/*
 * check.c: chanrac from C. Opens the example policy, checks events of the example day
 * (examples/events.csv), changes the DNC list live, reloads the policy, and checks in a forked
 * child. Prints one line per check and exits 1 on any unexpected result.
 *
 *   cc -Wall -Wextra -Wpedantic -Werror -std=c11 -I include examples/c/check.c \
 *      target/debug/libchanrac.a -lpthread -ldl -lm -o check
 *   ./check examples/policy
 */
#define _POSIX_C_SOURCE 200809L

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "chanrac.h"

/* 2026-03-02 00:00 in Vietnam (UTC+7), as Unix seconds. */
#define DAY INT64_C(1772384400)
#define AT(h, m) (DAY + (h) * INT64_C(3600) + (m) * INT64_C(60))

static int failures = 0;

static chanrac_event sms(int64_t t, const char *kind, const char *source, const char *advertiser,
                         const char *recipient, const char *text) {
    chanrac_event ev;
    chanrac_event_init(&ev);
    ev.unix_time = t;
    ev.channel = "sms";
    ev.kind = kind;
    ev.source = source;
    ev.advertiser = advertiser;
    ev.recipient = recipient;
    ev.text = text;
    return ev;
}

static chanrac_event call(int64_t t, const char *source, const char *advertiser,
                          const char *recipient) {
    chanrac_event ev;
    chanrac_event_init(&ev);
    ev.unix_time = t;
    ev.channel = "call";
    ev.kind = "ad";
    ev.source = source;
    ev.advertiser = advertiser;
    ev.recipient = recipient;
    return ev;
}

static void fail(const char *what) {
    printf("UNEXPECTED: %s\n", what);
    failures++;
}

/* Checks `ev`, prints "label decision codes", and compares with what is expected. */
static chanrac_verdict expect(const chanrac_engine *eng, const char *label, chanrac_event ev,
                              int decision, uint32_t reasons) {
    chanrac_verdict v = {-1, 0, -1, 0};
    chanrac_error *err = NULL;
    if (chanrac_check(eng, &ev, &v, &err) != CHANRAC_OK) {
        printf("%s error: %s\n", label, chanrac_error_message(err));
        chanrac_error_free(err);
        fail(label);
        return v;
    }
    char codes[256];
    size_t n = chanrac_reason_codes(v.reasons, codes, sizeof codes);
    printf("%s %s %s", label, chanrac_decision_name(v.decision), n ? codes : "-");
    if (v.retry_at >= 0) {
        printf(" retry_at=%lld", (long long)v.retry_at);
    }
    printf("\n");
    if (v.decision != decision || v.reasons != reasons) {
        fail(label);
    }
    return v;
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

static const char *QC_SHOP = "[QC] ShopVN: Tặng voucher 100.000đ cho đơn từ 500.000đ đến hết 08/03. "
                             "Từ chối QC soạn TC gửi 9029";
static const char *QC_BANK = "[QC] NgoiSaoBank: Vay mua nhà lãi suất ưu đãi 6,5%/năm cố định 12 "
                             "tháng, duyệt hồ sơ trong 48h. Từ chối soạn TC gửi 9029";
static const char *DKQC = "DKQC ShopVN: Quý khách có đồng ý nhận tin nhắn quảng cáo từ ShopVN? "
                          "Soạn Y gửi 8079 để đồng ý";

int main(int argc, char **argv) {
    const char *policy = argc > 1 ? argv[1] : "examples/policy";
    chanrac_error *err = NULL;

    printf("chanrac %s\n", chanrac_version());
    if (strcmp(chanrac_reason_code(0), "DNC") != 0 || chanrac_reason_code(CHANRAC_REASON_COUNT)) {
        fail("reason codes");
    }

    chanrac_engine *eng = chanrac_engine_open(policy, NULL, &err);
    if (!eng) {
        printf("open %s: %s\n", policy, chanrac_error_message(err));
        chanrac_error_free(err);
        return 1;
    }

    /* Events of the example day. */
    expect(eng, "e04", sms(AT(8, 0), "ad", "NGOISAOBANK", "ngoisao", "0987654321", QC_BANK),
           CHANRAC_ALLOW, 0);
    expect(eng, "e09", sms(AT(8, 30), "ad", "SHOPVN", "shopvn", "0886543210", QC_SHOP),
           CHANRAC_BLOCK, CHANRAC_REASON_DNC);
    expect(eng, "e06", sms(AT(8, 15), "registration", "SHOPVN", "shopvn", "0356789012", DKQC),
           CHANRAC_ALLOW, 0);
    expect(eng, "e06-again", sms(AT(9, 15), "registration", "SHOPVN", "shopvn", "0356789012", DKQC),
           CHANRAC_BLOCK, CHANRAC_REASON_REGISTRATION_REPEAT);
    expect(eng, "e16",
           sms(AT(9, 30), "ad", "SHOPVN", "shopvn", "0987654321",
               "ShopVN giảm giá sốc 50% toàn bộ giày dép. Từ chối QC soạn TC gửi 9029"),
           CHANRAC_BLOCK, CHANRAC_REASON_LABEL);
    expect(eng, "e17", sms(AT(9, 40), "ad", "0909555666", "minhanh", "0945667788", QC_SHOP),
           CHANRAC_BLOCK, CHANRAC_REASON_PHONE_SENDER);

    /* R4: three ad SMS per advertiser and number in any 24 hours; the fourth waits until the
     * first leaves the window (2026-03-03 08:10 +07:00). */
    expect(eng, "e05", sms(AT(8, 10), "ad", "SHOPVN", "shopvn", "0912345678", QC_SHOP),
           CHANRAC_ALLOW, 0);
    expect(eng, "e31", sms(AT(11, 30), "ad", "SHOPVN", "shopvn", "0912345678", QC_SHOP),
           CHANRAC_ALLOW, 0);
    expect(eng, "e32", sms(AT(12, 0), "ad", "SHOPVN", "shopvn", "0912345678", QC_SHOP),
           CHANRAC_ALLOW, 0);
    chanrac_verdict v = expect(eng, "e33",
                               sms(AT(13, 0), "ad", "SHOPVN", "shopvn", "0912345678", QC_SHOP),
                               CHANRAC_BLOCK, CHANRAC_REASON_FREQUENCY);
    if (v.retry_at != AT(24 + 8, 10)) {
        fail("e33 retry_at");
    }

    /* Bad input is an error, not a verdict. */
    chanrac_event bad = sms(AT(10, 0), "ad", "SHOPVN", "shopvn", "091234567", QC_SHOP);
    chanrac_verdict untouched = {-1, 0, -1, 0};
    if (chanrac_check(eng, &bad, &untouched, &err) != CHANRAC_ERR_INPUT ||
        chanrac_error_code(err) != CHANRAC_ERR_INPUT || untouched.decision != -1) {
        fail("bad recipient");
    }
    printf("bad recipient: %s\n", chanrac_error_message(err));
    chanrac_error_free(err);
    err = NULL;
    bad = sms(AT(10, 0), "spam", "SHOPVN", "shopvn", "0912345678", QC_SHOP);
    if (chanrac_check(eng, &bad, &untouched, &err) != CHANRAC_ERR_INPUT) {
        fail("unknown kind");
    }
    printf("unknown kind: %s\n", chanrac_error_message(err));
    chanrac_error_free(err);
    err = NULL;

    /* DK DNC S from 5656, live: the next check sees it; HUY DNC S takes it back. */
    if (chanrac_dnc_add(eng, "0987 654 321", "sms", &err) != CHANRAC_OK ||
        chanrac_dnc_lookup(eng, "+84987654321", &err) != CHANRAC_SCOPE_SMS) {
        fail("dnc add");
    }
    expect(eng, "dnc-added", sms(AT(10, 0), "ad", "NGOISAOBANK", "ngoisao", "0987654321", QC_BANK),
           CHANRAC_BLOCK, CHANRAC_REASON_DNC);
    if (chanrac_dnc_remove(eng, "0987654321", "sms", &err) != CHANRAC_OK) {
        fail("dnc remove");
    }
    expect(eng, "dnc-removed",
           sms(AT(10, 5), "ad", "NGOISAOBANK", "ngoisao", "0987654321", QC_BANK), CHANRAC_ALLOW,
           0);
    if (chanrac_dnc_add(eng, "0987654321", "call", &err) != CHANRAC_OK) {
        fail("dnc add call");
    }
    /* The host's maintenance thread would call this every second. */
    if (chanrac_state_maintain(eng, AT(10, 6), &err) != CHANRAC_OK) {
        fail("state maintain");
    }
    int64_t merged = chanrac_dnc_merge(eng, &err);
    printf("dnc merged %lld, pending %lld\n", (long long)merged,
           (long long)chanrac_dnc_pending(eng, &err));
    if (merged != 1 || chanrac_dnc_lookup(eng, "0987654321", &err) != CHANRAC_SCOPE_CALL) {
        fail("dnc merge");
    }
    if (chanrac_dnc_add(eng, "12", "sms", &err) != CHANRAC_ERR_INPUT) {
        fail("dnc bad number");
    }
    printf("dnc bad number: %s\n", chanrac_error_message(err));
    chanrac_error_free(err);
    err = NULL;

    /* A reload swaps the policy in; a failed one keeps the current policy. */
    if (chanrac_engine_reload(eng, policy, &err) != CHANRAC_OK) {
        fail("reload");
    }
    if (chanrac_engine_reload(eng, "/nonexistent/chanrac-policy", &err) != CHANRAC_ERR_POLICY) {
        fail("reload of a missing policy");
    }
    printf("reload missing policy: error %d\n", chanrac_error_code(err));
    chanrac_error_free(err);
    err = NULL;
    /* Live changes, merged or not, stay on top of the reloaded list (an older export must not
     * undo a DK DNC); once the reloaded list holds them, the host discards them. */
    printf("after reload, 0987654321 scopes %d\n", chanrac_dnc_lookup(eng, "0987654321", &err));
    if (chanrac_dnc_lookup(eng, "0987654321", &err) != CHANRAC_SCOPE_CALL) {
        fail("live change lost on reload");
    }
    if (chanrac_dnc_discard(eng, &err) != CHANRAC_OK) {
        fail("dnc discard");
    }
    printf("after discard, 0987654321 scopes %d\n", chanrac_dnc_lookup(eng, "0987654321", &err));
    expect(eng, "after-reload", sms(AT(10, 10), "ad", "SHOPVN", "shopvn", "0886543210", QC_SHOP),
           CHANRAC_BLOCK, CHANRAC_REASON_DNC);

    /* fork() after open, as Kamailio forks its workers: the child checks on its own copy. Safe
     * because the library started no thread, at open or since. */
    int n = threads();
    printf("threads before fork: %d\n", n);
    if (n > 1) {
        fail("the library started a thread");
    }
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0) {
        perror("fork");
        return 1;
    }
    if (pid == 0) {
        expect(eng, "child e11", call(AT(9, 0), "02473001234", "ngoisao", "0987654321"),
               CHANRAC_ALLOW, 0);
        expect(eng, "child e34", call(AT(13, 30), "02473001234", "ngoisao", "0987654321"),
               CHANRAC_BLOCK, CHANRAC_REASON_FREQUENCY);
        fflush(stdout);
        chanrac_engine_free(eng);
        _exit(failures ? 1 : 0);
    }
    int status = 0;
    if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        fail("child");
    }
    /* The child's count is its own: the parent has not seen e11. */
    expect(eng, "parent e11", call(AT(9, 0), "02473001234", "ngoisao", "0987654321"),
           CHANRAC_ALLOW, 0);

    chanrac_engine_free(eng);
    printf("%s\n", failures ? "FAILED" : "ok");
    return failures ? 1 : 0;
}
