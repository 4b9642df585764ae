/*
 * check_as.c: chanrac_check_as() (channel and kind as constants) against chanrac_check() (as
 * strings). Two engines on the same policy get the same events, one by each entry point, and must
 * answer the same verdicts (their state included); unknown constants are input errors. Prints one
 * line per check and exits 1 on any unexpected result.
 *
 *   ./check_as examples/policy
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "chanrac.h"

/* 2026-03-02 00:00 in Vietnam (UTC+7), as Unix seconds. */
#define DAY INT64_C(1772384400)
#define AT(h, m) (DAY + (h) * INT64_C(3600) + (m) * INT64_C(60))

static int failures = 0;

static void fail(const char *what) {
    printf("UNEXPECTED: %s\n", what);
    failures++;
}

/* One event, with its channel and kind both ways. */
struct row {
    const char *label;
    int64_t time;
    const char *channel;
    chanrac_channel channel_code;
    const char *kind;
    chanrac_kind kind_code;
    const char *source;
    const char *advertiser;
    const char *recipient;
    const char *text;
};

static const char *QC_SHOP = "[QC] ShopVN: Tặng voucher 100.000đ cho đơn từ 500.000đ đến hết 08/03. "
                             "Từ chối QC soạn TC gửi 9029";
static const char *DKQC = "DKQC ShopVN: Quý khách có đồng ý nhận tin nhắn quảng cáo từ ShopVN? "
                          "Soạn Y gửi 8079 để đồng ý";

static const struct row ROWS[] = {
    {"e04", AT(8, 0), "sms", CHANRAC_CHANNEL_SMS, "ad", CHANRAC_KIND_AD, "NGOISAOBANK", "ngoisao",
     "0987654321", "[QC] NgoiSaoBank: Vay mua nhà lãi suất ưu đãi. Từ chối soạn TC gửi 9029"},
    {"e09", AT(8, 30), "sms", CHANRAC_CHANNEL_SMS, "ad", CHANRAC_KIND_AD, "SHOPVN", "shopvn",
     "0886543210", "[QC] ShopVN: x"},
    {"e06", AT(8, 15), "SMS", CHANRAC_CHANNEL_SMS, "registration", CHANRAC_KIND_REGISTRATION,
     "SHOPVN", "shopvn", "0356789012", "DKQC ShopVN: x"},
    {"e06-again", AT(9, 15), "sms", CHANRAC_CHANNEL_SMS, "Registration",
     CHANRAC_KIND_REGISTRATION, "SHOPVN", "shopvn", "0356789012", "DKQC ShopVN: x"},
    {"e11", AT(9, 0), "call", CHANRAC_CHANNEL_CALL, "ad", CHANRAC_KIND_AD, "02473001234",
     "ngoisao", "0987654321", NULL},
    {"e34", AT(13, 30), "Call", CHANRAC_CHANNEL_CALL, "AD", CHANRAC_KIND_AD, "02473001234",
     "ngoisao", "0987654321", NULL},
    {"e02", AT(7, 5), "sms", CHANRAC_CHANNEL_SMS, "care", CHANRAC_KIND_CARE, "NGOISAOBANK",
     "ngoisao", "0912345678", "NgoiSaoBank: TK *6789 -250.000đ"},
    {"e27", AT(10, 45), "call", CHANRAC_CHANNEL_CALL, "p2p", CHANRAC_KIND_P2P, "0369000111", "",
     "0987654321", NULL},
    {"e05", AT(8, 10), "sms", CHANRAC_CHANNEL_SMS, "ad", CHANRAC_KIND_AD, "SHOPVN", "shopvn",
     "0912345678", NULL},
    {"e31", AT(11, 30), "sms", CHANRAC_CHANNEL_SMS, "ad", CHANRAC_KIND_AD, "SHOPVN", "shopvn",
     "0912345678", NULL},
    {"e32", AT(12, 0), "sms", CHANRAC_CHANNEL_SMS, "ad", CHANRAC_KIND_AD, "SHOPVN", "shopvn",
     "0912345678", NULL},
    {"e33", AT(13, 0), "sms", CHANRAC_CHANNEL_SMS, "ad", CHANRAC_KIND_AD, "SHOPVN", "shopvn",
     "0912345678", NULL},
    {"optin", AT(13, 5), "", CHANRAC_CHANNEL_NONE, "optin", CHANRAC_KIND_OPTIN, "", "shopvn",
     "0977888999", NULL},
    {"after-optin", AT(13, 10), "sms", CHANRAC_CHANNEL_SMS, "ad", CHANRAC_KIND_AD, "SHOPVN",
     "shopvn", "0977888999", NULL},
    {"optout", AT(13, 15), NULL, CHANRAC_CHANNEL_NONE, "optout", CHANRAC_KIND_OPTOUT, NULL,
     "shopvn", "0977888999", NULL},
    {"after-optout", AT(13, 20), "sms", CHANRAC_CHANNEL_SMS, "ad", CHANRAC_KIND_AD, "SHOPVN",
     "shopvn", "0977888999", NULL},
    {"reply", AT(13, 25), "sms", CHANRAC_CHANNEL_SMS, "reply", CHANRAC_KIND_REPLY, "0977888999",
     "shopvn", "8079", "Y"},
    {"late", AT(22, 30), "sms", CHANRAC_CHANNEL_SMS, "ad", CHANRAC_KIND_AD, "SHOPVN", "shopvn",
     "0987654321", NULL},
};

static chanrac_event event_of(const struct row *r) {
    chanrac_event ev;
    chanrac_event_init(&ev);
    ev.unix_time = r->time;
    ev.channel = r->channel;
    ev.kind = r->kind;
    ev.source = r->source;
    ev.advertiser = r->advertiser;
    ev.recipient = r->recipient;
    ev.text = r->text ? r->text : QC_SHOP;
    if (r->kind_code == CHANRAC_KIND_REGISTRATION) {
        ev.text = DKQC;
    }
    return ev;
}

/* The error message of a chanrac_check_as() expected to fail with CHANRAC_ERR_INPUT. */
static void expect_input_error(const chanrac_engine *eng, const char *label, chanrac_channel channel,
                               chanrac_kind kind) {
    const struct row *r = &ROWS[0];
    chanrac_event ev = event_of(r);
    chanrac_verdict v = {-1, 0, -1, 0};
    chanrac_error *err = NULL;
    int rc = chanrac_check_as(eng, &ev, channel, kind, &v, &err);
    printf("%s: %d %s\n", label, rc, chanrac_error_message(err));
    if (rc != CHANRAC_ERR_INPUT || chanrac_error_code(err) != CHANRAC_ERR_INPUT ||
        v.decision != -1) {
        fail(label);
    }
    chanrac_error_free(err);
}

int main(int argc, char **argv) {
    const char *policy = argc > 1 ? argv[1] : "examples/policy";
    chanrac_error *err = NULL;
    chanrac_engine *by_name = chanrac_engine_open(policy, NULL, &err);
    chanrac_engine *by_code = chanrac_engine_open(policy, NULL, &err);
    if (!by_name || !by_code) {
        printf("open %s: %s\n", policy, chanrac_error_message(err));
        chanrac_error_free(err);
        return 1;
    }

    for (size_t i = 0; i < sizeof ROWS / sizeof ROWS[0]; i++) {
        const struct row *r = &ROWS[i];
        chanrac_event ev = event_of(r);
        chanrac_verdict a = {-1, 0, -1, 0};
        chanrac_verdict b = {-1, 0, -1, 0};
        int ra = chanrac_check(by_name, &ev, &a, &err);
        if (ra != CHANRAC_OK) {
            printf("%s error: %s\n", r->label, chanrac_error_message(err));
            chanrac_error_free(err);
            err = NULL;
        }
        /* The strings are ignored: not even read. */
        ev.channel = i % 2 ? NULL : "fax";
        ev.kind = i % 2 ? "spam" : NULL;
        int rb = chanrac_check_as(by_code, &ev, r->channel_code, r->kind_code, &b, &err);
        if (rb != CHANRAC_OK) {
            printf("%s error (as): %s\n", r->label, chanrac_error_message(err));
            chanrac_error_free(err);
            err = NULL;
        }
        char codes[256];
        size_t n = chanrac_reason_codes(b.reasons, codes, sizeof codes);
        printf("%s %s/%s %s %s counted=%d\n", r->label,
               chanrac_channel_name(r->channel_code) ? chanrac_channel_name(r->channel_code) : "-",
               chanrac_kind_name(r->kind_code), chanrac_decision_name(b.decision),
               n ? codes : "-", b.counted);
        if (ra != rb || a.decision != b.decision || a.reasons != b.reasons ||
            a.retry_at != b.retry_at || a.counted != b.counted) {
            fail(r->label);
        }
    }

    expect_input_error(by_code, "channel 7", 7, CHANRAC_KIND_AD);
    expect_input_error(by_code, "kind 99", CHANRAC_CHANNEL_SMS, 99);
    expect_input_error(by_code, "no channel for an ad", CHANRAC_CHANNEL_NONE, CHANRAC_KIND_AD);
    expect_input_error(by_code, "registration call", CHANRAC_CHANNEL_CALL,
                       CHANRAC_KIND_REGISTRATION);
    if (chanrac_kind_name(0) || chanrac_kind_name(CHANRAC_KIND_REPLY + 1) ||
        chanrac_channel_name(CHANRAC_CHANNEL_NONE) ||
        strcmp(chanrac_kind_name(CHANRAC_KIND_OPTOUT), "optout") != 0) {
        fail("names");
    }

    chanrac_engine_free(by_name);
    chanrac_engine_free(by_code);
    printf(failures ? "FAILED\n" : "ok\n");
    return failures ? 1 : 0;
}
