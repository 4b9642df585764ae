//! Held-out checks of robust matching (docs/matching.md, "The robust
//! text") on signatures it was not tuned on, each set written apart from
//! the implementation by a writer who saw only the rules' names: its
//! signatures (`signatures.csv`: `id,kind,pattern`), spam messages
//! disguising what they match (`cases.tsv`: trick, target, message), one
//! plain message per signature as a control (`plain.tsv`), and ordinary
//! messages (`ordinary.txt`).
//!
//! - `testdata/content/analyst/`: 40 signatures as an analyst would write
//!   them for the scam families on the network (20 `literal`, 20 `regex`
//!   with alternations, `\b`, `\s+`, `.{0,50}` gaps, counted repetitions);
//!   240 spam messages, 40 for each of leetspeak, repeated letters, Telex,
//!   VNI, separators and emoji; 200 ordinary messages. At its first reading
//!   robust matching detected 230 of the 240 (95.8 %; leetspeak 92.5 %, VNI
//!   and emoji 95 %, the rest 97.5 %; robust off 40) and added no hit on
//!   the ordinary messages. Its misses led to an amount of one digit and a
//!   two-letter unit staying a number (`2-3tr`, which read `2-et`), the
//!   joiners of a regex matching a space (`400k/ngay` reads `400k ngay`),
//!   `khu3ng` as VNI and `g1@m` marking a text typed in leetspeak; it now
//!   detects 238. The two left were an acronym disguised (`8HXH`,
//!   `🏥BH🏥XH` for `bhxh`): a word without a vowel is not read as
//!   leetspeak, and tokens that make no syllable were not joined across an
//!   emoji; since `analyst15`, symbols glued inside a word join pieces that
//!   are no words (`BH🏥XH` → `BHXH`): 239.
//! - `testdata/content/analyst2/`: 45 signatures of other families (15
//!   `literal`, 10 `fuzzy` whose messages carry a typo too, 20 `regex`);
//!   240 spam messages, 40 for each of leetspeak, mixtures, Telex, VNI,
//!   separators and repeated letters, the disguises applied by the writer's
//!   script (so some are no spelling a person types: `7HƯ09N`, `ch1n9`);
//!   220 ordinary messages. At its first reading it detected 220 (91.7 %;
//!   leetspeak only 67.5 %, mixtures 82.5 %, the rest 100 %; robust off 21)
//!   and added no hit. Its misses led to `!` in a word written in
//!   leetspeak (`t4!`, `n9u0!`, `7!3n`), a final `9` of such a word read
//!   `g` (`d0n9`), and, in a text written in leetspeak, amounts and times
//!   that read one syllable (`713P`, `7H47`); that brought it to 229
//!   (leetspeak 85 %, mixtures 87.5 %). The next session's rules (`$`
//!   leading a word, `9!4m`, `7@1`, `nh@ c4!` making a text leetspeak so
//!   that `71n` reads `tin`, a `!` ending a spelled-out word, `Sal3`)
//!   brought it to 236 (leetspeak 92.5 %, mixtures 97.5 %). Left: tokens
//!   of digits only (`501`, `40`), `@0` for `ảo`, and the script's
//!   misspellings (`7HƯ09N`).
//! - `analyst3/`: 48 signatures of a third analyst (16 `literal`, 8
//!   `word`, 8 `fuzzy`, 16 `regex`), written after those rules without
//!   sight of the code or the other sets; 240 messages disguised by hand,
//!   30 for each of leetspeak (light and heavy), repeated letters, Telex,
//!   VNI, separators, emoji, mixtures and one-letter typos; 250 ordinary
//!   messages, 50 of them near-misses. Typos on `literal` signatures (19)
//!   are their own row, `typo-literal`, with no floor: a `literal` is
//!   exact, a typo needs `fuzzy` (its 11 `fuzzy` typos are all found). At
//!   its first reading robust matching detected 218 of the 240 (the 221
//!   that are not literal typos but 3: `8A` for `bạ` in a text in
//!   leetspeak, `xi3u` for `xỉu` in a text typed in VNI, and `MBBank`,
//!   whose `bb` the robust text collapses while the regex wrote `mb
//!   ?bank`; robust off 54) and added no hit. The first two led to rules;
//!   it now detects 220 (every trick 100 % but separators, 96.7 %).
//! - `analyst4/`: 44 signatures of a fourth analyst (14 `literal`, 8
//!   `word`, 8 `fuzzy`, 14 `regex`, most of those naming a link:
//!   `https?://`, `\S+\.(?:top|xyz)`), 224 messages, 32 for each of seven
//!   tricks, seven in ten written without diacritics as most SMS spam is;
//!   260 ordinary messages, seven in ten without diacritics, heavy in
//!   teencode, 50 near-misses. First reading: 213 (95.1 %; mixtures
//!   87.5 %, leetspeak 93.8 %, the rest 96.9 %; robust off 44), no hit
//!   added. Five misses were one cause: the robust text wrote a link's
//!   dots and dashes as spaces, so a regex naming the link failed once the
//!   phrase before it was disguised; links now keep their punctuation.
//!   The others led to `!t` leading a word, `9i4`, `H.4.1` and `kh-ó-aaa`
//!   as spelled-out runs, and `nho3` in a text typed in VNI: 224 now.
//! - `analyst5/`: 40 signatures of a fifth analyst (12 `literal`, 4
//!   `word`, 24 `regex`, each regex tying a phrase to a link, a phone
//!   number, an amount, a handle or an account number); 240 messages, 30
//!   for each of eight tricks (look-alike letters among them: Cyrillic,
//!   Greek, full-width, mathematical, zero-width spaces), half without
//!   diacritics; 250 ordinary messages, 50 near-misses with genuine links.
//!   First reading: 231 (96.3 %; leetspeak 90 %, VNI 93.3 %, the rest
//!   96.7 % or more; robust off 65), no hit added. Five misses were one
//!   cause: a Telegram handle's `@` read `a` and its `_` a space
//!   (`@dautu_cungthay`); handles now stay as links do. The others led to
//!   `dun9` (`9` for `g` in a text typed in leetspeak), `9ửi`, and `xi3u`
//!   in a text typed both in VNI and in leetspeak. Left: `Mo💜Mo` (an emoji
//!   inside a brand: the robust text reads two words). 239 now.
//! - `analyst6/`: 44 signatures of a sixth analyst (16 `literal`, 8
//!   `word`, 6 `fuzzy`, 14 `regex`); 252 messages, 30 for each of eight
//!   tricks and 12 typos on `fuzzy` signatures, written as most SMS spam
//!   is, without diacritics (39 have them), in teencode, with amounts,
//!   cheap domains and handles; 260 ordinary messages, about 175
//!   near-misses. First reading: 250 (99.2 %; robust off 83), no hit
//!   added. Both misses were `4o` for `ảo` (`ti3n 4o`): a leetspeak vowel
//!   and a vowel that read one syllable are now a word in a text written
//!   in leetspeak, as `8A` was. 252 now.
//! - `analyst15/`: 40 signatures of a fifteenth analyst, written after
//!   `analyst13` without sight of the code, the docs or the other sets,
//!   and disguised by the writer's script as real SMS spam is: 73 to 132
//!   characters, 58 % without diacritics, teencode and capitals, the
//!   disguise mostly on the one to three words a filter would catch, Telex
//!   and VNI as a whole message typed raw; 18 deliberate typos on `fuzzy`
//!   signatures; 320 ordinary messages, 160 disguised, 104 near-misses.
//!   First reading: leetspeak 87.5 %, mixtures 75 %, emoji, separators
//!   95 %, VNI 97.5 %, the rest 100 %; no hit added. Its misses led to
//!   symbols glued inside a word (`US🔥DT`, `nga⚡yf`, `c💰a6p1`, `7À🏆1`,
//!   and `‼` read as an emoji), a word split at one or two points by a
//!   splitter (`kho..á..n`, `KHO|N|G`, with `|` and `+` now splitters),
//!   `TI3NH` as VNI for `TỈNH` (`iê` takes no `nh`), a VNI tone before a
//!   final drawn out (`ha2nggg`) and `$V388`: leetspeak 90 %, mixtures
//!   92.5 %, emoji 97.5 %, the rest 100 %. Left: `RU7`, `di4`, `CAAAA1`
//!   (a final digit read as a VNI tone where the writer meant leetspeak),
//!   `5H` for `SH`, `tà!` for `tài`, `iPho🎁ne`.
//! - `analyst17/`: 40 signatures of a seventeenth analyst, written without
//!   sight of the code, the docs or the other sets, ten of each kind
//!   (`literal`, `word`, `regex`, `fuzzy`) over twenty themes of 2025's
//!   scams (biometric-update deadlines, OTP theft, VNeID level 2, traffic
//!   fines, utility cut-offs, tax and BHXH refunds, parcel fees, SIM
//!   upgrades, prizes, task jobs, loans, investment groups, casinos,
//!   betting tips, jobs abroad, charity and relatives asking for money,
//!   SIM numbers, health products); the disguises a third light, a third
//!   medium, a third heavy; 320 ordinary messages, 88 of them near misses.
//!   First reading, after this session's second reading was built and
//!   before anything was tuned on it: leetspeak 87.5 %, VNI 95 %, emoji
//!   95 %, mixtures 80 %, the rest 100 % (303 of 320; without the second
//!   reading and the rules that came with it, leetspeak 77.5 %, mixtures
//!   75 %, 297 of 320); no hit added. Then
//!   `vi4nh` read as VNI `vĩnh` (`ia` takes no `nh`), the second reading's
//!   joins across an emoji also for a piece linked on (`cấp✅tố✅c`), and
//!   `91ảm` (a `9` before a leetspeak digit in a marked word): 308 of 320,
//!   leetspeak 90 %, VNI 97.5 %, emoji 100 %, mixtures 82.5 %. Then the
//!   second reading reads a token as a word of its letters would be
//!   (`81j`, `8400`, `57KKK`), but for an amount in money (`500k`): 311 of
//!   320, mixtures 90 %. Left: `50!` and `$0!` for `soi` (a `!` ending
//!   digits), `57K` for `STK` and `51m` for `sim` in a text with no other
//!   leetspeak. The next session's rules (`50!`, `$0!`) brought it to 313.
//! - `analyst18/` and `analyst19/`: 40 signatures each of two more
//!   analysts, written apart from each other and without sight of the code,
//!   the docs or the other sets, over other themes (shop refunds and
//!   "order errors", task jobs, visas and flights, insurance, land, court
//!   summons, school fees, rentals, romance scams, game accounts, remote
//!   support, gold and forex, card limits, loan apps, casinos, lottery
//!   tips, SIM locks, medicine, debt collectors, tax fines); 80 leetspeak
//!   messages each (one with diacritics and one without per signature),
//!   40 for each of six other tricks (`analyst19`'s, but for leetspeak,
//!   applied by the writer's script), and 320 ordinary messages, 80 or so
//!   near misses. First reading, before anything was tuned on them:
//!   `analyst18` 317 of 320 (leetspeak and separators 97.5 %, the rest
//!   100 %), `analyst19` 302 of 320 (leetspeak 88.8 %, separators and
//!   mixtures 90 %, VNI 97.5 %); no hit added on either's ordinary
//!   messages. Their misses led to a `!` ending a word written with a
//!   diacritic that the text goes on after in lower case (`ngườ! nước`,
//!   `lã! 5%`), `!` before a leetspeak digit in a word in leetspeak
//!   (`g!4`, `g!4!`), a symbol after two or three leetspeak characters
//!   (`v1$@`), a leading `11` for `li` (`11ên`), a `1` for `l` in the
//!   second reading (`101`, `Z410`), links with their dots hidden
//!   (`(.)`, `[.]`), letters spelled out in a link (`l-a-z-a-d-a-`), a
//!   top-level domain in leetspeak (`.v1p`, `.c0m`, `.n37`), a name's
//!   letters in leetspeak before its number (`sunw1n68`, `kub3t88`), and a
//!   name ending in a number kept (`b52club88`): 320 and 311 of 320.
//!   Left: a code in leetspeak (`8H7741208` for `BH…`), spelled-out
//!   letters across `/` or `'` inside an amount (`t r i ệ u/n g à y`,
//!   `399t'r/l'ô`), a link spelled with `|` (`g|o88w|i|n68.n|e|t`), an
//!   emoji inside a drawn-out `@ppp📲pp`, `thu3` for `thủ` read as
//!   leetspeak `thue`. A regex's host dot then stopped matching a space
//!   (below), and `analyst19` lost `m.o.b.i.f.o.n.e-c.h.i.n.h.c.h.u.c.o.m`:
//!   separators 87.5 %.
//! - `analyst20/`: 40 signatures of a twentieth analyst over yet other
//!   themes (bank staff calling about an unusual transaction, QR codes, EVN
//!   refunds, shop order confirmations, police apps, admission fees,
//!   "chốt đơn" jobs, loan apps, betting codes, lottery groups, airdrops,
//!   BHYT, customs fees, flood charity, sextortion, cheap iPhones, carrier
//!   gifts, licence points, tax codes, debt enforcement), every disguised
//!   message written by hand; 320 ordinary messages, 89 near misses. First
//!   reading, after the rules `analyst18` and `analyst19` led to: 318 of
//!   320 (leetspeak 98.8 %, mixtures 97.5 %, the rest 100 %), but robust
//!   matching added a hit on one ordinary message, `TikTok Shop: Don hang
//!   cua ban…`, through a link regex: a host's dot matched a space before a
//!   word. That reading is gone (docs/matching.md, the robust form): the
//!   robust text keeps the dot before the top-level domain of a host not
//!   read as a link instead. No hit added now; 318 of 320. Left: a link
//!   host in leetspeak with its letters led by a digit (`4gr1b4nk-…`), `thu3`.
//! - `analyst21/`: 40 signatures of a twenty-first analyst over themes
//!   not used before (account and VNeID verification, SIM "chuẩn hóa",
//!   wallet locks, one-time BHXH withdrawal, stock tips and tickers, forex,
//!   "phạt nguội", tickets and travel, land, renting bank accounts, fake
//!   degrees, VAT invoices, miracle medicines, lucky spins, number sales,
//!   dating, debt threats, betting), every disguised message written by
//!   hand; 320 ordinary messages, 85–110 near misses. Measured after the
//!   rules `analyst22` led to: 312 of 320 (leetspeak 96.2 %, repeated
//!   letters and emoji 97.5 %, mixtures 92.5 %). Its misses led to
//!   leetspeak acronyms (`8HXH`, `C7V`), `!Phone` for `iPhone`, a ticker of
//!   three capitals keeping its last letter (`mã VIX`: no Telex tone), and
//!   a two-letter final ending a run linked without white space
//!   (`kh-0-ng`): 319 of 320. Left: Telex and leetspeak in one word
//!   (`t4wng`) beside a loanword (`sex` stays).
//! - `analyst22/`: 40 signatures of a twenty-second analyst (credit-card
//!   limits, unsecured loans, bad-debt clearing, labour export, ID cards,
//!   cut-off notices, prizes, collaborators, lottery betting, casinos,
//!   counterfeit goods, premium accounts, game top-ups, driver bonuses,
//!   flash sales, loan sharks), disguised by hand; 320 ordinary messages,
//!   about 85 near misses. First reading: 314 of 320 (leetspeak 97.5 %,
//!   mixtures 90 %), no hit added. A host with a spaced dot before its
//!   top-level domain (`sh0pee-qu4t4ng . t0p`, which links read as one)
//!   now keeps it: 315. Left: `5H` for `SH` (a time elsewhere), VNI typed
//!   between dotted letters (`g.i.a3.i`), leetspeak and VNI in one word
//!   (`7uye63n`).
//! - `analyst25/`: 40 signatures of a twenty-fifth analyst writing as
//!   ordinary spammers do (light disguises on the key words, capitals, no
//!   diacritics, teencode around) on themes not used before (cosmetics
//!   giveaways, slimming pills, cancelled-order refunds, meter
//!   replacement, cards replaced at home, top-up errors, feng shui, mall
//!   parking fines, camera checks, Tết baskets, hair clinics, English
//!   courses, trade-ins, apartment fees, hotel refunds, app-store charges,
//!   "free, pay shipping"), written by hand without sight of the code, the
//!   docs or the other sets' messages, after the rules `analyst24` led to;
//!   320 ordinary messages, about 115 near misses. First reading: 316 of
//!   320 (leetspeak 98.8 %, separators 97.5 %, emoji 95 %, the rest
//!   100 %), no hit added; the floors are that reading. Left: `4pple 1D`
//!   for `Apple ID`, a regex's robust match across a comma (`chống hack,
//!   phí`: a robust form counts inside one clause), and `🅿️` between two
//!   words, which folding reads as the letter `p` (`phí🅿️gửi` →
//!   `phipgui`).
//! - `analyst24/`: 40 signatures of a twenty-fourth analyst playing a
//!   spammer who knows a filter exists (gas safety checks, face-scan
//!   updates, marathons, wedding studios, motorbike auctions, pensions,
//!   military service, pawn shops, gold, fishing crews, lab results,
//!   vaccines, social housing, certificates, vouchers, car inspection,
//!   account recovery, TV renewals, modems, fire safety), every word of the
//!   phrase disguised, several tricks in one word; written by hand without
//!   sight of the code, the docs or the other sets' messages; 320 ordinary
//!   messages, about 95 near misses. First reading: 287 of 320 (89.7 %;
//!   **leetspeak 86.2 %, mixtures 62.5 %**, Telex, separators and emoji
//!   95 %, VNI 97.5 %), no hit added. Its misses led to a short token led
//!   by a digit, its `!` and `@` letters, read as a word in a text typed
//!   in leetspeak (`9!@`, `9!4`, `7@!`, `90!`, `9!4s`: `gia`, `tai`,
//!   `goi`), a Telex tone ending a word of two letters after a `w` that
//!   marked its vowel (`owr`, `0wr`: `o`), and `o4i`, `u4i` read as VNI's
//!   tone in a text typed in VNI (`mu4i`: `mui`): 301 of 320; then to
//!   words in leetspeak typed in Telex making a text typed in Telex
//!   (`k!chs h04tj m@x`: `kich hoat ma`, the loanword read), and a head of
//!   a spelled-out run holding `@ !`, and such a run read with its final
//!   Telex tone dropped, in a text typed in leetspeak (`n9.4.y.f`:
//!   `ngay`): 304 of 320 (leetspeak 95 %, mixtures 80 %, Telex and VNI
//!   100 %). Left: a lone `0` for `ở`, `5JC` for `SJC`, `9@s` for `gas`,
//!   `90C` for `gốc`, a lone tone letter after a splitter (`CH@Y.J`),
//!   spelled digits (`9.0.1.s`), `lu.w.o.w.n.g`, `Vou🎁cher`, `nhà🏢ở`.
//! - `analyst23/`: 40 signatures of a twenty-third analyst on themes not
//!   used before (a relative in hospital, school fees to a new account,
//!   water bills, 5G and eSIM upgrades, e-wallet cashback, insurance
//!   payouts, interview and uniform fees, visas and passports,
//!   scholarships, crypto mining, rental deposits, pets, concert tickets,
//!   farm investments, cancelled flights, court summons, solar subsidies,
//!   phone warranties, tutoring apps), every disguised message written by
//!   hand without sight of the code, the docs or the other sets' messages;
//!   320 ordinary messages, about 90 near misses. First reading: 313 of
//!   320 (leetspeak 98.8 %, Telex 97.5 %, VNI 95 %, mixtures 92.5 %, the
//!   rest 100 %), no hit added. Its misses led to a head and single letters
//!   linked without white space reading one syllable in any text
//!   (`nu.ô.i`, `nu.o.c`; with a digit, still only in a text typed in
//!   leetspeak), a code of two or three letters and three digits or more
//!   kept (flights `VN1178`, `VJ135`), `o3` before a final read as VNI's
//!   tone in a text typed in VNI (`pho3ng`), and `esim` among the words the
//!   second reading reads, spelled as its letters are (`351M`): 319 of 320
//!   (`analyst17` one more). Left: `gia1` (`giá` in VNI) in a text also
//!   in leetspeak, where it reads `giai`.
//! - `analyst16/`: 40 signatures of a sixteenth analyst, written without
//!   sight of the code, the docs or the other sets, from the scam SMS users
//!   report to anti-scam sites (fake delivery fees, EVN cut-offs, tax,
//!   VNeID and BHXH notices, shop refunds and task jobs, casinos, loans,
//!   bank locks, SIM upgrades), 106 to 169 characters, about half with
//!   diacritics, and disguised as bulk-sending tools do: per message one
//!   trick on the two to four words a filter would catch, or on 30–60 % of
//!   all letters; look-alikes from fancy-font generators (mathematical,
//!   circled, squared and negative squared letters, small capitals,
//!   full-width), Cyrillic and Greek; 320 ordinary messages, 160
//!   disguised, 139 near-misses and genuine notices of the same brands.
//!   First reading: look-alikes 97.5 % (negative squared letters `🅰`–`🆉`,
//!   which NFKC leaves as they are, now fold to `a`–`z`: 100 %), leetspeak
//!   87.5 %, mixtures 77.5 %, emoji and separators 97.5 %, the rest 100 %;
//!   no hit added. Then `O7P`, `07P` read `otp`; a link's scheme and
//!   top-level domain may be written in leetspeak (`h77ps://`, `.7op`); a
//!   word that reads no syllable either way keeps its leetspeak digits in
//!   a text not typed in VNI (`jackp07`); and a text written in leetspeak
//!   has a second reading where every token with a digit that reads one
//!   syllable or a listed loanword is read so (`81` `bị`, `9141` `giải`,
//!   `40` `ảo`, `g4m3` `game`, `57K` `STK`), as has a text where two
//!   tokens or more with a digit read as words (`ho 7r0 lay lai 713n`):
//!   leetspeak 97.5 % here, `analyst15` 97.5 %, `analyst12` 85 %, the
//!   programmatic `leet-all` 99.2 %; no hit added in any set. The second
//!   reading also joins names and syllables broken by a glued emoji
//!   (`Za💰lo`, `kho🎰a1`): emoji 100 % here.
//!   Left: `713n` read as an amount in a text not otherwise typed
//!   in leetspeak, `Za💰lo` (two pieces that are words), spelled-out runs
//!   holding digits (`1_5_k/v_i_d_e_o`), links split by
//!   spaces and emoji.
//! - `analyst14/`: 40 signatures of a fourteenth analyst, disguised the
//!   way a benchmark harness perturbs text: each trick a function applied
//!   to every letter or word of the whole message with a strength of 0.2,
//!   0.5 or 0.9 (links and words with a digit kept); leetspeak from the
//!   writer's own map of digits, symbols and glyphs (`|) |_| /\/ ^/ }{ |{
//!   |° € † © ® £ § ° ¥ µ Я &`, `|` for `i`), look-alikes from Cyrillic,
//!   Greek (`ϲ`), Armenian (`գ`), Latin (`ɩ`), Roman numerals, full-width
//!   and mathematical letters, separators from `. - _ * / · ~ +`, space
//!   and zero-width space; 320 ordinary messages, 160 disguised, 72
//!   near-misses. First reading: **leetspeak 35 %** (85 % at strength
//!   0.2, 15 % at 0.5), mixtures 50 %, look-alikes 85 %, emoji 90 %,
//!   separators 92.5 %, the rest 100 %; no hit added. It led to the rules
//!   above and to more glyphs (`/\/\ /\/ \^/ |° |> |{ }{ |= _| ^/`, and
//!   `` `/ ``), letters written as typographic symbols (`† © ® £ § °`),
//!   and to folding `ϲ Ϲ` (before NFKC, which makes them `σ`), `ҽ ɩ գ ԍ ƅ
//!   ϝ Я`: look-alikes 100 %, separators 95 %, emoji 97.5 %, leetspeak
//!   47.5 %, mixtures 60 %. Left: the heavy strengths (`|` and `&` for `i`
//!   and `g`, `^^` for `m`, `%` and `×` for `x`, `<` for `c`, most words
//!   written wholly in symbols), which no real spam in the other sets
//!   comes near.
//! - `analyst13/`: 40 signatures of a thirteenth analyst, disguised by the
//!   writer's own script the way real spam is written: short SMS, mostly
//!   without diacritics, abbreviations (`k`, `ko`, `dc`, `stk`, `lh`),
//!   light disguise on a few key words most often (196 light, 94 medium,
//!   30 heavy); 320 ordinary messages, 160 disguised, 80 near-misses.
//!   Read by the code as it stood before `analyst11` and `analyst12`:
//!   look-alikes 87.5 % (Armenian letters), mixtures 95 %, leetspeak
//!   97.5 %. First reading after them: look-alikes 100 %, leetspeak
//!   97.5 %, mixtures 95 %, no hit added. Its misses led to `!` counting
//!   as a vowel in a word led by a leetspeak digit (`7!n` → `tin`), and a
//!   letter drawn out across an emoji read only before more than one
//!   letter (`Nhan🎉n.g.a.y` had read `nhangay`): leetspeak 100 %,
//!   mixtures 97.5 %, the rest 100 %. Left: `t-h-u-3` (a spelled-out word
//!   ending in a leetspeak digit, in a text with no other leetspeak).
//! - `analyst12/`: 40 signatures of a twelfth analyst, also disguised by
//!   the writer's own script, told to choose every map itself: leetspeak
//!   in up to three styles at once — digits, single symbols (`+` for `t`,
//!   `¢` `(` for `c`, `µ` for `u`, `¥` for `y`, `€` for `e`, `()` for
//!   `o`, `|` for `l`), glyphs of several symbols (`|-|` `|\|` `|\/|` `\/`
//!   `/\` `|)` `|_|` `|_` `|2` `><` `|3` `|*` `|<`) — and Vietnamese
//!   teencode counted as leetspeak (`f` for `ph`, `j` for `gi` and `i`, `w`
//!   for `qu`, `z` for `d`, `k` for `c`, `ck` for `ch`); look-alike letters
//!   from Armenian and Cyrillic beyond the folded ones (`ո ս ѵ`); mixtures
//!   spelling words out with `+ : , '` and emoji inside them. 320 ordinary
//!   messages, 160 disguised, 80 near-misses. First reading: **leetspeak
//!   17.5 %**, mixtures 47.5 %, look-alikes 62.5 %, emoji 92.5 %, the rest
//!   97.5 % or more; no hit added. Folding `ո ս օ հ զ ց Լ ѵ μ µ ¢` as the
//!   letters they look like made look-alikes 100 %; the glyphs and `+`
//!   (step 0) brought leetspeak to 50 % and mixtures to 62.5 %; a literal
//!   whose own pattern crosses a clause (`thất lạc, nhận`) may now cross
//!   one in the robust text, which made drawn-out letters and Telex 100 %;
//!   teencode read where the word then reads one syllable (`fí`, `jảm`,
//!   `zon`, `kần`, `wà`, `tjền`, `trựk`) brought leetspeak to 77.5 % and
//!   mixtures to 65 %, no hit added on any set. Left: glyphs and teencode
//!   in one word (`+rựk`, `$€`), mixtures that spell a word out with a
//!   separator that is also a leet symbol (`t+h+a+n+h`, `l|ư|u`), emoji
//!   inside most words.
//! - `analyst11/`: 40 signatures of an eleventh analyst (14 `literal`, 6
//!   `word`, 6 `fuzzy`, 14 `regex`) and 320 messages, 40 for each of
//!   eight tricks, **disguised by the writer's own script**, as a tool of
//!   a spammer's would: leetspeak at a random density (light, key words
//!   only, or heavy, every word) with its own map (`a`→`4 @`, `e`→`3`,
//!   `i`→`1 !`, `o`→`0`, `t`→`7`, `s`→`5 $`, `g`→`9`, `b`→`8`, `l`→`1 |`,
//!   `z`→`2`, and in heavy mode `c`→`(`, `h`→`#`, `k`→`|<`), a letter
//!   with a tone losing it when replaced; Telex and VNI with the tone after
//!   the vowel or at the end; separators including `|` and zero-width
//!   spaces in some gaps only; emoji inside key words too (`tặn✅g`);
//!   look-alike scripts; mixtures of two or three. 320 ordinary messages,
//!   160 of them put through the same script, 82 near-misses. First
//!   reading: **leetspeak 65 %** (26/40), mixtures 72.5 %, separators
//!   95 %, emoji 97.5 %, the rest 100 %; and robust matching added 3 hits
//!   on ordinary messages, the first such in any set: a host's `\.(cc)`,
//!   whose robust form is `[. ]c`, matched the space and first letter of
//!   `mai con`. A host's dot now matches a space only before a whole word.
//!   The misses led to letters drawn in symbols (`|<#0ản`, `(#ỉ`, `|àm`),
//!   a `9` in a marked word led by a leetspeak digit (`7rún9`, `1ư0n9`),
//!   `8!` and `9!ữ` in a text typed in leetspeak, emoji splitting a syllable
//!   between different emoji (`tặn✅g👉ngay`) and a letter drawn out across
//!   the emoji (`chặ📦ặặn`): leetspeak 92.5 %, mixtures 80 %, separators
//!   95 %, the rest 100 %, no hit added. Left: mixtures where an emoji
//!   splits a word typed in Telex or VNI (`guw🎁ri`, `lo💯75i`), dotted
//!   Telex (`h.ee.ts`), `|` both as `l` and as a separator in one text,
//!   `s3x` (read `sẽ` typed in Telex), `nhà cá! uy tín` in a text with no
//!   other leetspeak.
//! - `analyst10/`: 40 signatures of a tenth analyst (14 `literal`, 6
//!   `word`, 4 `fuzzy`, 16 `regex`) whose phrases hold everyday words
//!   (`vay`, `nạp`, `thẻ`, `quà`, `tài khoản`, `link`, `kèo`); 252
//!   messages, 30 for each of eight tricks and 12 typos; and **400
//!   ordinary messages, 333 of them written with the same tricks
//!   innocently** (teencode, leetspeak, drawn-out letters, Telex and VNI
//!   typed with the input method off, spaced letters, emoji, fancy fonts)
//!   and 280 near-misses: the false-positive set. First reading: 248
//!   (98.4 %; leetspeak, Telex and mixtures 96.7 %), no hit added on the
//!   400. The misses led to a consonant cluster and one leetspeak vowel
//!   (`nh4`) counting towards a text written in leetspeak (`nh4 c4i uy
//!   71n` → `nha cai uy tin`); 249 now. Left: `5H` for `SH` (an amount of
//!   hours as much as a word), `xirus` (two Telex tones).
//! - `analyst9/`: 42 signatures of a ninth analyst on the scams of
//!   2025–2026 (VNeID level 2, tax refunds, BHXH, EVN cut-offs, parcels,
//!   SIM re-registration, task jobs, betting, USDT groups; 14 `literal`, 6
//!   `word`, 6 `fuzzy` whose every message carries a typo too, 16
//!   `regex`); 252 messages, 30 for each of eight tricks and 12 typos;
//!   250 ordinary messages, 142 near-misses. First reading: 245 (97.2 %;
//!   leetspeak and mixtures 90 %, VNI 96.7 %), no hit added. The misses led
//!   to `!` between a letter's leetspeak digit and a letter (`VN3!D`), a
//!   final `3` staying a VNI tone in a text typed in VNI (`khoab3`, a typo
//!   too), a leetspeak tail kept only when it makes a syllable or the word
//!   is none without it (`b@o3` is `bảo`; `g1a1`, `c0d3` stay leetspeak),
//!   no `2 3 4` tone on a syllable ending in `c ch p t` (`s1t3` is
//!   `site`), and a leet symbol spelled out beside a spelled leetspeak
//!   digit (`d.1.@`). 249 now; left: `7U` for `tứ` and `7NCN` for `TNCN`
//!   (a leetspeak acronym), `kh0a1` read `khoai` (a VNI tone after
//!   leetspeak in one word).
//! - `analyst8/`: 40 signatures of an eighth analyst playing a spammer
//!   who knows the filter (14 `literal`, 6 `word`, 6 `fuzzy`, 14
//!   `regex`); 252 messages disguising every word of the phrase, several
//!   tricks inside one word (`T@III`, `L@@M`, `NGU-0-I`, `U¥`), half
//!   without diacritics; 250 ordinary messages, 110 near-misses. First
//!   reading: 235 (93.3 %; **mixtures 60 %**, leetspeak 90 %, the rest
//!   96.7 % or more), no hit added. The misses led to leet symbols drawn
//!   out (`nhu@@@n`), no look-alike capital after one (`T@III`), `¥` for
//!   `y`, a letter and a leetspeak digit spelled out in a text typed in
//!   leetspeak (`h.3`, `V-1`), and codes such as `30A` kept (246,
//!   mixtures 86.7 %); then to a head of letters and a spelled-out tail
//!   read as one syllable (`NGU-0-I`, `V1-3-C`), `@0` for `ảo`, and `0`
//!   between letters or `@` after a consonant marking a text typed in
//!   leetspeak (`THU0NG`, `NH@N`, so `N.0` and `M.4` there). 251 now
//!   (mixtures 100 %); left: `#` for `h`.
//! - `analyst7/`: 42 signatures of a seventh analyst (14 `literal`, 6
//!   `word`, 6 `fuzzy`, 16 `regex`, most regexes tying a phrase to an
//!   amount, a link, a phone number or a deadline); 252 messages, 30 for
//!   each of eight tricks and 12 typos on `fuzzy` signatures, formal scams
//!   in full diacritics and capitals impersonating banks, police, tax,
//!   power and delivery companies; 250 ordinary messages, 75 near-misses.
//!   First reading: 251 (99.6 %; robust off 85), no hit added. The miss:
//!   `D9IE6M3` (VNI for `ĐIỂM` in capitals) read `dgle6me`, its `IE` taken
//!   for a look-alike capital word `LE`; a capital `I` after a digit no
//!   longer starts such a word. 252 now.
//!
//! The test fails if a plain message is missed, if a trick falls below its
//! floor (the share measured when it was set), or if robust matching adds
//! a hit on an ordinary message.
//!
//! `cargo test -p chanrac --test obfuscation_analyst -- --nocapture`
#![allow(clippy::unwrap_used, clippy::panic)]

mod spam;

use chanrac::content::{FoldBuf, SignatureKind, SignatureSet, SignatureSetBuilder};
use spam::{hits, tally};

/// A held-out set: its directory under `testdata/content/`, its number of
/// signatures, and its tricks with the share (percent) of each detected
/// with robust matching on, as measured when the floor was set.
struct HeldOut {
    dir: &'static str,
    signatures: usize,
    floors: &'static [(&'static str, f64)],
}

const SETS: &[HeldOut] = &[
    HeldOut {
        dir: "analyst25",
        signatures: 40,
        floors: &[
            ("leet", 98.75),
            ("repeated", 100.0),
            ("telex", 100.0),
            ("vni", 100.0),
            ("separators", 97.5),
            ("emoji", 95.0),
            ("mixtures", 100.0),
        ],
    },
    HeldOut {
        dir: "analyst24",
        signatures: 40,
        floors: &[
            ("leet", 95.0),
            ("repeated", 100.0),
            ("telex", 100.0),
            ("vni", 100.0),
            ("separators", 95.0),
            ("emoji", 95.0),
            ("mixtures", 80.0),
        ],
    },
    HeldOut {
        dir: "analyst23",
        signatures: 40,
        floors: &[
            ("leet", 100.0),
            ("repeated", 100.0),
            ("telex", 100.0),
            ("vni", 100.0),
            ("separators", 100.0),
            ("emoji", 100.0),
            ("mixtures", 97.5),
        ],
    },
    HeldOut {
        dir: "analyst21",
        signatures: 40,
        floors: &[
            ("leet", 100.0),
            ("repeated", 100.0),
            ("telex", 100.0),
            ("vni", 100.0),
            ("separators", 100.0),
            ("emoji", 100.0),
            ("mixtures", 97.4),
        ],
    },
    HeldOut {
        dir: "analyst22",
        signatures: 40,
        floors: &[
            ("leet", 97.4),
            ("repeated", 100.0),
            ("telex", 100.0),
            ("vni", 100.0),
            ("separators", 100.0),
            ("emoji", 100.0),
            ("mixtures", 92.4),
        ],
    },
    HeldOut {
        dir: "analyst20",
        signatures: 40,
        floors: &[
            ("leet", 98.7),
            ("repeated", 100.0),
            ("telex", 100.0),
            ("vni", 100.0),
            ("separators", 100.0),
            ("emoji", 100.0),
            ("mixtures", 97.4),
        ],
    },
    HeldOut {
        dir: "analyst19",
        signatures: 40,
        floors: &[
            ("leet", 98.7),
            ("repeated", 100.0),
            ("telex", 100.0),
            ("vni", 100.0),
            ("separators", 87.4),
            ("emoji", 100.0),
            ("mixtures", 89.9),
        ],
    },
    HeldOut {
        dir: "analyst18",
        signatures: 40,
        floors: &[
            ("leet", 100.0),
            ("repeated", 100.0),
            ("telex", 100.0),
            ("vni", 100.0),
            ("separators", 100.0),
            ("emoji", 100.0),
            ("mixtures", 100.0),
        ],
    },
    HeldOut {
        dir: "analyst17",
        signatures: 40,
        floors: &[
            ("leet", 94.9),
            ("repeated", 100.0),
            ("telex", 100.0),
            ("vni", 97.4),
            ("separators", 100.0),
            ("emoji", 100.0),
            ("lookalike", 100.0),
            ("mixtures", 92.4),
        ],
    },
    HeldOut {
        dir: "analyst16",
        signatures: 40,
        floors: &[
            ("leet", 97.4),
            ("repeated", 100.0),
            ("telex", 100.0),
            ("vni", 100.0),
            ("separators", 97.4),
            ("emoji", 100.0),
            ("lookalike", 100.0),
            ("mixtures", 84.9),
        ],
    },
    HeldOut {
        dir: "analyst15",
        signatures: 40,
        floors: &[
            ("leet", 100.0),
            ("repeated", 100.0),
            ("telex", 100.0),
            ("vni", 100.0),
            ("separators", 100.0),
            ("emoji", 100.0),
            ("lookalike", 100.0),
            ("mixtures", 97.4),
        ],
    },
    HeldOut {
        dir: "analyst14",
        signatures: 40,
        floors: &[
            ("leet", 54.9),
            ("repeated", 100.0),
            ("telex", 100.0),
            ("vni", 100.0),
            ("separators", 94.9),
            ("emoji", 100.0),
            ("lookalike", 100.0),
            ("mixtures", 59.9),
        ],
    },
    HeldOut {
        dir: "analyst13",
        signatures: 40,
        floors: &[
            ("leet", 100.0),
            ("repeated", 100.0),
            ("telex", 100.0),
            ("vni", 100.0),
            ("separators", 100.0),
            ("emoji", 100.0),
            ("lookalike", 100.0),
            ("mixtures", 97.4),
        ],
    },
    HeldOut {
        dir: "analyst12",
        signatures: 40,
        floors: &[
            ("leet", 84.9),
            ("repeated", 100.0),
            ("telex", 100.0),
            ("vni", 100.0),
            ("separators", 97.4),
            ("emoji", 92.4),
            ("lookalike", 100.0),
            ("mixtures", 69.9),
        ],
    },
    HeldOut {
        dir: "analyst11",
        signatures: 40,
        floors: &[
            ("leet", 97.4),
            ("repeated", 100.0),
            ("telex", 100.0),
            ("vni", 100.0),
            ("separators", 97.4),
            ("emoji", 100.0),
            ("lookalike", 100.0),
            ("mixtures", 87.4),
        ],
    },
    HeldOut {
        dir: "analyst",
        signatures: 40,
        floors: &[
            ("leet", 100.0),
            ("repeated", 100.0),
            ("telex", 100.0),
            ("vni", 100.0),
            ("separators", 100.0),
            ("emoji", 100.0),
        ],
    },
    HeldOut {
        dir: "analyst2",
        signatures: 45,
        floors: &[
            ("leet", 100.0),
            ("mixtures", 100.0),
            ("telex", 100.0),
            ("vni", 100.0),
            ("separators", 100.0),
            ("repeated", 100.0),
        ],
    },
    HeldOut {
        dir: "analyst3",
        signatures: 48,
        floors: &[
            ("leet", 100.0),
            ("repeated", 100.0),
            ("telex", 100.0),
            ("vni", 100.0),
            ("separators", 96.6),
            ("emoji", 100.0),
            ("typo", 100.0),
            // A `literal` is exact: a typo needs the `fuzzy` kind. Kept to
            // show it, with no floor.
            ("typo-literal", 0.0),
            ("mixtures", 100.0),
        ],
    },
    HeldOut {
        dir: "analyst4",
        signatures: 44,
        floors: &[
            ("leet", 100.0),
            ("repeated", 100.0),
            ("telex", 100.0),
            ("vni", 100.0),
            ("separators", 100.0),
            ("emoji", 100.0),
            ("mixtures", 100.0),
        ],
    },
    HeldOut {
        dir: "analyst5",
        signatures: 40,
        floors: &[
            ("leet", 100.0),
            ("repeated", 100.0),
            ("telex", 100.0),
            ("vni", 100.0),
            ("separators", 100.0),
            ("emoji", 100.0),
            ("lookalike", 100.0),
            ("mixtures", 100.0),
        ],
    },
    HeldOut {
        dir: "analyst6",
        signatures: 44,
        floors: &[
            ("leet", 100.0),
            ("repeated", 100.0),
            ("telex", 100.0),
            ("vni", 100.0),
            ("separators", 100.0),
            ("emoji", 100.0),
            ("lookalike", 100.0),
            ("typo", 100.0),
            ("mixtures", 100.0),
        ],
    },
    HeldOut {
        dir: "analyst10",
        signatures: 40,
        floors: &[
            ("leet", 100.0),
            ("repeated", 100.0),
            ("telex", 96.6),
            ("vni", 100.0),
            ("separators", 100.0),
            ("emoji", 100.0),
            ("lookalike", 100.0),
            ("typo", 100.0),
            ("mixtures", 100.0),
        ],
    },
    HeldOut {
        dir: "analyst9",
        signatures: 42,
        floors: &[
            ("leet", 100.0),
            ("repeated", 100.0),
            ("telex", 100.0),
            ("vni", 100.0),
            ("separators", 100.0),
            ("emoji", 100.0),
            ("lookalike", 100.0),
            ("typo", 100.0),
            ("mixtures", 96.6),
        ],
    },
    HeldOut {
        dir: "analyst8",
        signatures: 40,
        floors: &[
            ("leet", 96.6),
            ("repeated", 100.0),
            ("telex", 100.0),
            ("vni", 100.0),
            ("separators", 100.0),
            ("emoji", 100.0),
            ("lookalike", 100.0),
            ("typo", 100.0),
            ("mixtures", 100.0),
        ],
    },
    HeldOut {
        dir: "analyst7",
        signatures: 42,
        floors: &[
            ("leet", 100.0),
            ("repeated", 100.0),
            ("telex", 100.0),
            ("vni", 100.0),
            ("separators", 100.0),
            ("emoji", 100.0),
            ("lookalike", 100.0),
            ("typo", 100.0),
            ("mixtures", 100.0),
        ],
    },
];

fn data(dir: &str, name: &str) -> String {
    let path = format!(
        "{}/../../testdata/content/{dir}/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The rows of `signatures.csv` (`id,kind,pattern`; a pattern holding a
/// comma or a quote is quoted, its quotes doubled).
fn signatures(dir: &str) -> Vec<(String, SignatureKind, String)> {
    data(dir, "signatures.csv")
        .lines()
        .skip(1)
        .enumerate()
        .map(|(line, row)| {
            let mut it = row.splitn(3, ',');
            let (Some(id), Some(kind), Some(pattern)) = (it.next(), it.next(), it.next()) else {
                panic!("{dir}/signatures.csv line {}: not 3 columns", line + 2);
            };
            let kind = match kind {
                "literal" => SignatureKind::Literal,
                "word" => SignatureKind::Word,
                "fuzzy" => SignatureKind::Fuzzy,
                "regex" => SignatureKind::Regex,
                k => panic!("{dir}/signatures.csv line {}: kind {k}", line + 2),
            };
            let pattern = match pattern.strip_prefix('"').and_then(|p| p.strip_suffix('"')) {
                Some(quoted) => quoted.replace("\"\"", "\""),
                None => pattern.to_string(),
            };
            (id.to_string(), kind, pattern)
        })
        .collect()
}

fn set(dir: &str, robust: bool) -> SignatureSet {
    let mut b = SignatureSetBuilder::new();
    b.robust(robust);
    for (id, kind, pattern) in signatures(dir) {
        b.add(id, kind, pattern);
    }
    b.build().unwrap()
}

#[test]
fn analyst_signatures_keep_their_detections_under_every_trick() {
    let mut failures = Vec::new();
    for held in SETS {
        failures.extend(check(held));
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

/// The ordinary messages of every set that robust matching gives a hit
/// the plain matching does not, with every set's signatures at once (1,025
/// signatures, 7,389 messages): each is itself disguised (a family chat in
/// VNI or Telex, a notice in leetspeak) and holds a phrase a broad
/// signature of another set names (`tạm khóa` after a bank, `cập nhật sinh
/// trắc học`, `tuyển cộng tác viên`, `rút BHXH một lần`, `xuất khẩu lao
/// động`), which its plain form would match too. 30 before loanwords were
/// kept (`taxi`: `sim số taxi` matched `số tài khoản` nine times); 20 with
/// 825 signatures and 5,790 messages, then 19 once a branch of a regex's
/// spaceless form kept its separators (`\.cc\b` had become a lone `c`);
/// `analyst21` and `analyst22` brought five more of that kind;
/// `analyst23` to `analyst25` (120 signatures, 960 messages) none.
const CROSS_SET_ROBUST_ONLY: usize = 24;

#[test]
fn every_sets_signatures_add_few_hits_on_every_sets_ordinary_messages() {
    let dirs: Vec<&str> = SETS.iter().map(|h| h.dir).collect();
    let build = |robust: bool| {
        let mut b = SignatureSetBuilder::new();
        b.robust(robust);
        for dir in &dirs {
            for (id, kind, pattern) in signatures(dir) {
                b.add(format!("{dir}/{id}"), kind, pattern);
            }
        }
        b.build().unwrap()
    };
    let (on, off) = (build(true), build(false));
    let mut buf = FoldBuf::new();
    let (mut a, mut b) = (Vec::new(), Vec::new());
    let mut added = Vec::new();
    for dir in &dirs {
        for text in data(dir, "ordinary.txt").lines() {
            buf.fold(text);
            a.clear();
            b.clear();
            on.scan(&buf, &mut a);
            off.scan(&buf, &mut b);
            let ids: Vec<&str> = a
                .iter()
                .filter(|h| !b.contains(h))
                .map(|&h| on.id(h))
                .collect();
            if !ids.is_empty() {
                added.push(format!("{ids:?} {text}"));
            }
        }
    }
    println!("{} ordinary messages with robust-only hits", added.len());
    assert!(added.len() <= CROSS_SET_ROBUST_ONLY, "{added:#?}");
}

/// Prints the table of one set; returns what fails in it.
fn check(held: &HeldOut) -> Vec<String> {
    let dir = held.dir;
    let (on, off) = (set(dir, true), set(dir, false));
    assert_eq!(signatures(dir).len(), held.signatures, "{dir}");
    let mut failures = Vec::new();
    for (line, row) in data(dir, "plain.tsv").lines().enumerate() {
        let Some((target, message)) = row.split_once('\t') else {
            panic!("{dir}/plain.tsv line {}: not 2 columns", line + 1);
        };
        if !hits(&off, message).iter().any(|h| h == target) {
            failures.push(format!(
                "{dir}: plain message missed by {target}: {message}"
            ));
        }
    }
    let cases = data(dir, "cases.tsv");
    println!("\n{dir}\n\n| trick | cases | robust on | robust off |\n|---|---|---|---|");
    let (mut all, mut all_on, mut all_off) = (0, 0, 0);
    let tricks: Vec<&str> = held.floors.iter().map(|&(t, _)| t).collect();
    for &(trick, floor) in held.floors {
        let (n, n_on, n_off) = tally(&on, &off, dir, &cases, &tricks, trick);
        let share = 100.0 * n_on as f64 / n as f64;
        if share < floor {
            failures.push(format!("{dir}: {trick}: {share:.1} % < {floor} %"));
        }
        (all, all_on, all_off) = (all + n, all_on + n_on, all_off + n_off);
    }
    println!("| all | {all} | {all_on} | {all_off} |");
    let ordinary = data(dir, "ordinary.txt");
    let mut added = 0;
    for message in ordinary.lines().filter(|l| !l.trim().is_empty()) {
        let (a, b) = (hits(&on, message), hits(&off, message));
        if a != b {
            added += 1;
            failures.push(format!(
                "{dir}: robust-only hits {a:?} (off: {b:?}): {message}"
            ));
        }
    }
    println!(
        "ordinary messages: {}; robust matching adds hits on {added}",
        ordinary.lines().count()
    );
    failures
}

/// A trick applied by a program to a whole message: what an evaluation
/// that disguises real messages mechanically would do, as opposed to the
/// hand-written disguises above.
type Trick = fn(&str, &mut Rng) -> String;

/// The tricks of [`tricks_applied_by_a_program_keep_detections`], each
/// with its floor (percent, as measured when it was set).
const PROGRAMMATIC: &[(&str, Trick, f64)] = &[
    // Every `a e i o s t`, either case, a digit half the time; marks stay.
    // (660 of 665 with `O7P`, leetspeak in a link's scheme and the second
    // reading of a text in leetspeak; 641 before them. With `analyst24`'s
    // plain messages, 981 of 985: its `5JC` for `SJC` and its lone `0` for
    // `ở` are read by neither disguise.)
    ("leet-all", leet_all, 99.5),
    // Marks removed, then `a e i o` a digit three times in five (982 of
    // 985 with `analyst24`'s: `nh4 0 x4 ho1`; 1,020 of 1,025 with
    // `analyst25`'s too: `4ppl3 1D`, `43on M4ll`).
    ("leet-vowels", leet_vowels, 99.5),
    // Each letter doubled or tripled three times in ten.
    ("repeated", repeated, 100.0),
    ("telex-tone-last", |m, _| typed(m, spam::telex, true), 100.0),
    (
        "telex-tone-after-vowel",
        |m, _| typed(m, spam::telex, false),
        100.0,
    ),
    ("vni-tone-last", |m, _| typed(m, spam::vni, true), 100.0),
    (
        "vni-tone-after-vowel",
        |m, _| typed(m, spam::vni, false),
        100.0,
    ),
    // Half the words of letters spelled out with one of `. - _ *` or a
    // space between their letters (1,023 of 1,025 once `analyst25` came:
    // two of its camera checks, spelled into other words).
    ("separators", separators, 99.8),
    // An emoji after half the words.
    ("emoji", emoji, 100.0),
    // Vowels a digit three times in ten, letters doubled three in twenty.
    ("mixtures", mixtures, 99.6),
    // Marks removed, then `a s i o` as `@ $ ! 0` half the time (last: the
    // seeds of the others, by their place, stay as they were; 1,011 of
    // 1,025 once `analyst25` came: `!ELT$`, `@pple !D`).
    ("leet-symbols", leet_symbols, 98.6),
    // Marks kept, `c h k l` drawn as `( # |< |` and `a e o t` as `4 3 0 7`,
    // each half the time, the way a script's heavy mode writes them
    // (652 of the 665 plain messages with the second reading; 642 once
    // `analyst16` came; 603 of 625 once `analyst14` and `analyst15` came;
    // 96.6 % of the 545 before).
    ("leet-drawn", leet_drawn, 98.6),
];

/// xorshift64: the same disguises on every run.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

fn leet_digit(c: char) -> Option<char> {
    Some(match c.to_ascii_lowercase() {
        'a' => '4',
        'e' => '3',
        'i' => '1',
        'o' => '0',
        's' => '5',
        't' => '7',
        _ => return None,
    })
}

fn leet_all(m: &str, r: &mut Rng) -> String {
    m.chars()
        .map(|c| match leet_digit(c) {
            Some(d) if r.below(2) == 0 => d,
            _ => c,
        })
        .collect()
}

/// Marks removed, then `a s i o` as `@ $ ! 0` half the time each.
fn leet_symbols(m: &str, r: &mut Rng) -> String {
    unmarked(m)
        .chars()
        .map(|c| {
            let s = match c.to_ascii_lowercase() {
                'a' => '@',
                's' => '$',
                'i' => '!',
                'o' => '0',
                _ => return c,
            };
            if r.below(2) == 0 {
                s
            } else {
                c
            }
        })
        .collect()
}

fn leet_drawn(m: &str, r: &mut Rng) -> String {
    let mut out = String::new();
    for c in m.chars() {
        let s = match c {
            'c' | 'C' => "(",
            'h' | 'H' => "#",
            'k' | 'K' => "|<",
            'l' | 'L' => "|",
            'a' | 'A' => "4",
            'e' | 'E' => "3",
            'o' | 'O' => "0",
            't' | 'T' => "7",
            _ => {
                out.push(c);
                continue;
            }
        };
        if r.below(2) == 0 {
            out.push_str(s);
        } else {
            out.push(c);
        }
    }
    out
}

fn unmarked(m: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    m.replace('đ', "d")
        .replace('Đ', "D")
        .nfd()
        .filter(|c| !('\u{0300}'..='\u{036F}').contains(c))
        .collect()
}

fn vowels(m: &str, r: &mut Rng, times: u64, of: u64) -> String {
    m.chars()
        .map(|c| match leet_digit(c) {
            Some(d) if "aeioAEIO".contains(c) && r.below(of) < times => d,
            _ => c,
        })
        .collect()
}

fn leet_vowels(m: &str, r: &mut Rng) -> String {
    vowels(&unmarked(m), r, 3, 5)
}

fn doubled(m: &str, r: &mut Rng, times: u64, of: u64) -> String {
    let mut out = String::new();
    for c in m.chars() {
        out.push(c);
        if c.is_alphabetic() && r.below(of) < times {
            out.push(c);
            if r.below(2) == 0 {
                out.push(c);
            }
        }
    }
    out
}

fn repeated(m: &str, r: &mut Rng) -> String {
    doubled(m, r, 3, 10)
}

/// Each run of letters typed with `key` (Telex or VNI), its tone after
/// the syllable or after the marked vowel.
fn typed(m: &str, key: fn(char) -> (String, Option<char>), tone_last: bool) -> String {
    let mut out = String::new();
    let mut tone = None;
    for c in m.chars().chain(std::iter::once(' ')) {
        if c.is_alphabetic() {
            let (letters, t) = key(c);
            out.push_str(&letters);
            match t {
                Some(t) if !tone_last => out.push(t),
                Some(t) => tone = Some(t),
                None => {}
            }
        } else {
            out.extend(tone.take());
            out.push(c);
        }
    }
    out.pop();
    out
}

fn separators(m: &str, r: &mut Rng) -> String {
    let words: Vec<String> = m
        .split(' ')
        .map(|w| {
            let n = w.chars().count();
            if n >= 2 && w.chars().all(char::is_alphabetic) && r.below(2) == 0 {
                let sep = [".", "-", "_", "*", " "][r.below(5) as usize];
                w.chars().map(String::from).collect::<Vec<_>>().join(sep)
            } else {
                w.to_string()
            }
        })
        .collect();
    words.join(" ")
}

fn emoji(m: &str, r: &mut Rng) -> String {
    let mut out = String::new();
    for w in m.split(' ') {
        out.push_str(w);
        out.push(' ');
        if r.below(2) == 0 {
            out.push_str(["💰", "🔥", "⚡", "🎁", "✅", "👉", "💸", "⭐"][r.below(8) as usize]);
            out.push(' ');
        }
    }
    out.trim_end().to_string()
}

fn mixtures(m: &str, r: &mut Rng) -> String {
    let v = vowels(m, r, 3, 10);
    doubled(&v, r, 3, 20)
}

/// Every plain message of every held-out set, disguised by a program with
/// each trick of [`PROGRAMMATIC`] over the whole message (the same
/// disguises every run: a fixed seed per message), still fires its
/// signature. First measured (2026-12-06) with a script making the same
/// disguises with other random choices: leet on every `a e i o s t`
/// 94.4 %, separators 91.4 %, the rest 97 % or more; the misses led to the
/// rules for `d o n h_a_n_g`, spaced digits, `7hông` counting towards a
/// text in leetspeak, drawn-out units (`50kk`), VNI's `d9` after an
/// amount and numbers ending a name (`sv388`); later ones to spaced runs
/// read as syllables (`c h ỉ s a u` → `chisau`), `0,8` kept beside a run,
/// and drawn letters in leetspeak (`gii4o`, `cccu4`). Leetspeak in
/// symbols (`leet-symbols`, added later) first gave 91.4 % (with the seed
/// of another place in the list), which led to a `!` ending a word that
/// goes on (`ta! nha`), `$!m` and `d!@`. What is left:
/// numbers in leetspeak (`741` for `tài`, `50` for `số`, `57r` for `5tr`,
/// `40` for `ảo`), a closing `!` after a word in leetspeak read as `i`
/// (`kho4!` → `khoai`), English words in leetspeak read as VNI (`co1n`).
/// Letters drawn in symbols (`leet-drawn`, added after `analyst11`) first
/// gave 83.9 % with the first reading of `( # |< |`; `(` ending a word
/// (`trắ(`), `|<` ending one (`B4n|<`), `|` before one letter (`|ỗ`) and a
/// `(` told from a parenthesis by the next `)` brought it to 96.6 %. Left:
/// links and codes drawn so (`O7P`, `t.me/bin4n(e`), `c|ip` (whose `|` a
/// separator could be). The plain messages of `analyst13` added two
/// misses: `n h u a n 5%` read the `5` as a letter of the run (a digit
/// before `%` is a number now), and `So1` in a text whose leetspeak has
/// no digit after a consonant reads VNI `só` (mixtures 98.8 % → 98.7 %).
#[test]
fn tricks_applied_by_a_program_keep_detections() {
    let mut failures = Vec::new();
    println!("\n| trick | messages | detected |\n|---|---|---|");
    let mut seen = vec![(0usize, 0usize); PROGRAMMATIC.len()];
    for held in SETS {
        let on = set(held.dir, true);
        for (line, row) in data(held.dir, "plain.tsv").lines().enumerate() {
            let (target, message) = row.split_once('\t').unwrap();
            for (k, (name, trick, _)) in PROGRAMMATIC.iter().enumerate() {
                let mut r = Rng(0x9E37_79B9_7F4A_7C15 ^ ((line as u64 + 1) * (k as u64 + 7)));
                let text = trick(message, &mut r);
                let hit = hits(&on, &text).iter().any(|h| h == target);
                seen[k].0 += 1;
                seen[k].1 += usize::from(hit);
                if !hit {
                    println!(
                        "miss [{name}] {}/{target}: {text}\n    robust: {}",
                        held.dir,
                        chanrac::content::robust_text(&text)
                    );
                }
            }
        }
    }
    for ((name, _, floor), (n, k)) in PROGRAMMATIC.iter().zip(&seen) {
        let share = 100.0 * *k as f64 / *n as f64;
        println!("| {name} | {n} | {k} ({share:.1} %) |");
        if share < *floor {
            failures.push(format!("{name}: {share:.1} % < {floor} %"));
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}
