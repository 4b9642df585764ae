// An SMSC and an ESME written with node-smpp (npm `smpp`, SMPP 5.0 and 3.4),
// an implementation independent of chanrac-smpp's, so that the proxy meets
// PDUs as another project writes them: binds with interface_version 0x50,
// message ids in upper-case hexadecimal, receipts with and without the
// receipted_message_id TLV, TLVs named by another codec.
//
// Run by crates/smpp/tests/node_smpp.rs:
//   node peers.js
// prints `{"ev":"listening","port":N}` (the SMSC, on 127.0.0.1), reads the
// proxy's port from standard input, then plays the ESME through the proxy
// and prints one JSON line per fact it saw; the Rust test asserts on them.
// It exits 0 after `{"ev":"done"}`, 1 on a step that times out.
'use strict';

const smpp = require('smpp');
const readline = require('readline');

const say = (o) => process.stdout.write(JSON.stringify(o) + '\n');
const text = (m) => {
	if (m === undefined || m === null) return '';
	if (typeof m === 'string') return m;
	if (Buffer.isBuffer(m)) return m.toString('latin1');
	if (m.message !== undefined) return text(m.message);
	return String(m);
};

// ---- the SMSC ------------------------------------------------------------

let nextId = 0x5A3F00;
let smscBinds = 0;
const sessions = {}; // upstream system_id -> the last session bound with it
const smsc = smpp.createServer({}, (session) => {
	let account = null;
	const bound = (pdu) => {
		account = pdu.system_id;
		sessions[account] = session;
		smscBinds++;
		say({ev: 'smsc_bind', command: pdu.command, system_id: pdu.system_id,
			password: pdu.password, interface_version: pdu.interface_version});
		session.send(pdu.response({system_id: 'nodesmsc'}));
	};
	session.on('bind_transceiver', bound);
	session.on('bind_transmitter', bound);
	session.on('bind_receiver', bound);
	session.on('enquire_link', (pdu) => session.send(pdu.response()));
	session.on('unbind', (pdu) => {
		session.send(pdu.response());
		session.close();
	});
	session.on('submit_sm', (pdu) => {
		if (text(pdu.short_message).includes('#throttle')) {
			say({ev: 'smsc_throttled', account, to: pdu.destination_addr});
			return session.send(pdu.response({command_status: 0x58}));
		}
		const id = (nextId++).toString(16).toUpperCase();
		say({ev: 'smsc_submit_sm', account, to: pdu.destination_addr,
			from: pdu.source_addr, sar: pdu.sar_segment_seqnum,
			text: text(pdu.short_message) || text(pdu.message_payload), id});
		session.send(pdu.response({message_id: id}));
		if ((pdu.registered_delivery & 3) === 0) return;
		// Every other receipt writes the id in decimal in its text only,
		// as some SMSCs do (Kannel's `msg-id-type`); the others carry the
		// TLV too, with the id as the answer gave it.
		const plain = (parseInt(id, 16) % 2) === 0;
		const receipt = {
			source_addr: pdu.destination_addr,
			destination_addr: pdu.source_addr,
			esm_class: 0x04,
			short_message: 'id:' + (plain ? String(parseInt(id, 16)) : id) +
				' sub:001 dlvrd:001 submit date:2603020915 done date:2603020915 stat:DELIVRD err:000 text:',
		};
		if (!plain) {
			receipt.receipted_message_id = id;
			receipt.message_state = 2;
		}
		setTimeout(() => session.deliver_sm(receipt, (r) => say({
			ev: 'smsc_receipt_resp', id, status: r.command_status})), 30);
	});
	session.on('submit_multi', (pdu) => {
		const id = (nextId++).toString(16).toUpperCase();
		say({ev: 'smsc_submit_multi', account,
			to: pdu.dest_address.map((d) => d.destination_addr || d.dl_name), id});
		session.send(pdu.response({message_id: id, unsuccess_sme: []}));
	});
	session.on('data_sm', (pdu) => {
		const id = (nextId++).toString(16).toUpperCase();
		say({ev: 'smsc_data_sm', account, to: pdu.destination_addr,
			text: text(pdu.message_payload), id});
		session.send(pdu.response({message_id: id}));
	});
	session.on('query_sm', (pdu) => {
		say({ev: 'smsc_query_sm', account, id: pdu.message_id});
		session.send(pdu.response({message_id: pdu.message_id, final_date: '',
			message_state: 2, error_code: 0}));
	});
	session.on('cancel_sm', (pdu) => {
		say({ev: 'smsc_cancel_sm', account, id: pdu.message_id});
		session.send(pdu.response());
	});
	session.on('replace_sm', (pdu) => {
		say({ev: 'smsc_replace_sm', account, id: pdu.message_id});
		session.send(pdu.response());
	});
	session.on('error', () => {});
});

// A subscriber's message from `from` to `to`, delivered on `account`'s
// upstream session; resolves to the proxy's status.
const mo = (account, from, to, body) => new Promise((resolve) => {
	const s = sessions[account];
	if (!s) return resolve(-1);
	s.deliver_sm({source_addr: from, source_addr_ton: 1, source_addr_npi: 1,
		destination_addr: to, esm_class: 0, short_message: body},
	(r) => resolve(r.command_status));
});

// ---- the ESME -------------------------------------------------------------

const step = (what, f) => new Promise((resolve, reject) => {
	const t = setTimeout(() => reject(new Error('timed out: ' + what)), 15000);
	f((v) => {
		clearTimeout(t);
		resolve(v);
	});
});

// An ESME session to the proxy: its deliver_sm are answered and kept;
// `next(test)` waits for the first kept one that passes `test`.
function client(port, name) {
	const delivered = [];
	let waiting = null;
	const session = smpp.connect({url: 'smpp://127.0.0.1:' + port});
	session.on('error', (e) => say({ev: 'esme_error', name, error: String(e)}));
	session.on('deliver_sm', (pdu) => {
		const d = {esm_class: pdu.esm_class, from: pdu.source_addr,
			to: pdu.destination_addr, text: text(pdu.short_message),
			receipted_message_id: pdu.receipted_message_id};
		say(Object.assign({ev: 'esme_deliver_sm', name}, d));
		session.send(pdu.response());
		delivered.push(d);
		if (waiting) waiting();
	});
	session.on('enquire_link', (pdu) => session.send(pdu.response()));
	const next = (test) => step('a deliver_sm at ' + name, (done) => {
		const look = () => {
			const i = delivered.findIndex(test);
			if (i >= 0) {
				waiting = null;
				done(delivered.splice(i, 1)[0]);
			}
		};
		waiting = look;
		look();
	});
	return {session, next, delivered};
}

async function esme(port) {
	const {session, next} = client(port, 'trx');

	const bind = await step('bind_transceiver', (done) => session.bind_transceiver(
		{system_id: 'shopvn_ad', password: 'secret1'}, done));
	say({ev: 'esme_bind_resp', status: bind.command_status, system_id: bind.system_id,
		sc_interface_version: bind.sc_interface_version});
	const link = await step('enquire_link', (done) => session.enquire_link({}, done));
	say({ev: 'esme_enquire_link_resp', status: link.command_status});

	const ad = (to, body, more) => Object.assign({source_addr_ton: 5, source_addr_npi: 0,
		source_addr: 'SHOPVN', dest_addr_ton: 1, dest_addr_npi: 1, destination_addr: to,
		registered_delivery: 1, short_message: body}, more || {});

	// Two allowed ads, so that one receipt has the TLV and one does not.
	for (const to of ['84912000001', '84912000002']) {
		const r = await step('submit_sm', (done) => session.submit_sm(
			ad(to, '[QC] Uu dai cuoi tuan ' + to), done));
		say({ev: 'esme_submit_sm_resp', to, status: r.command_status, id: r.message_id});
		if (r.command_status !== 0) continue;
		const receipt = await next((d) => (d.esm_class & 0x3C) !== 0 && d.to === 'SHOPVN' &&
			d.from === to);
		say({ev: 'esme_receipt', to, given: r.message_id, text: receipt.text,
			receipted_message_id: receipt.receipted_message_id});
	}
	const dnc = await step('submit_sm to a DNC number', (done) => session.submit_sm(
		ad('84912000009', '[QC] Uu dai DNC'), done));
	say({ev: 'esme_submit_sm_resp', to: '84912000009', status: dnc.command_status,
		id: dnc.message_id});

	const multi = await step('submit_multi', (done) => session.submit_multi({
		source_addr_ton: 5, source_addr_npi: 0, source_addr: 'SHOPVN',
		dest_address: ['84912000003', '84912000008', '84912000004', '84912000009',
			'84912000005'].map((n) => ({dest_addr_ton: 1, dest_addr_npi: 1, destination_addr: n})),
		registered_delivery: 1, short_message: '[QC] Uu dai thang 3'}, done));
	say({ev: 'esme_submit_multi_resp', status: multi.command_status, id: multi.message_id,
		unsuccess: (multi.unsuccess_sme || []).map((u) => [u.destination_addr, u.error_status_code])});
	// A receipt for each destination delivered, each naming the one id
	// the submit_multi_resp gave.
	for (const to of ['84912000003', '84912000004', '84912000005']) {
		const receipt = await next((d) => (d.esm_class & 0x3C) !== 0 && d.from === to);
		say({ev: 'esme_receipt', to, given: multi.message_id, text: receipt.text,
			receipted_message_id: receipt.receipted_message_id});
	}

	const data = await step('data_sm', (done) => session.data_sm({
		source_addr_ton: 5, source_addr_npi: 0, source_addr: 'SHOPVN',
		dest_addr_ton: 1, dest_addr_npi: 1, destination_addr: '84912000007',
		message_payload: '[QC] Uu dai qua data_sm'}, done));
	say({ev: 'esme_data_sm_resp', status: data.command_status, id: data.message_id});
	const dataDnc = await step('data_sm to a DNC number', (done) => session.data_sm({
		source_addr_ton: 5, source_addr_npi: 0, source_addr: 'SHOPVN',
		dest_addr_ton: 1, dest_addr_npi: 1, destination_addr: '84912000008',
		message_payload: '[QC] Uu dai qua data_sm'}, done));
	say({ev: 'esme_data_sm_resp', to: '84912000008', status: dataDnc.command_status});

	const first = await step('query_sm', (done) => session.query_sm({
		message_id: multi.message_id || data.message_id, source_addr_ton: 5,
		source_addr_npi: 0, source_addr: 'SHOPVN'}, done));
	say({ev: 'esme_query_sm_resp', status: first.command_status, id: first.message_id,
		message_state: first.message_state});

	// Vietnamese text: node-smpp sends it in UCS-2 (0x08).
	const viet = await step('submit_sm in UCS-2', (done) => session.submit_sm(
		ad('84912000001', '[QC] Ưu đãi cuối tuần, giảm 50%'), done));
	say({ev: 'esme_submit_sm_resp', to: 'ucs2', status: viet.command_status});

	// A message in two parts (UDH), to an allowed number and to a DNC one.
	for (const to of ['84912000002', '84912000009']) {
		const parts = ['[QC] Uu dai cuoi tuan: giam 50% ', 'cho moi don hang tu 200k'];
		const answers = await Promise.all(parts.map((body, i) => step('a part', (done) =>
			session.submit_sm(ad(to, {udh: Buffer.from([0x05, 0x00, 0x03, 0x42, 2, i + 1]),
				message: body}, {registered_delivery: 0}), done))));
		say({ev: 'esme_parts_resp', to, status: answers.map((a) => a.command_status)});
	}

	// The SMSC's own enquire_link to the proxy's upstream session.
	const smscLink = await step('enquire_link from the SMSC', (done) =>
		sessions.smsc_ad.enquire_link({}, done));
	say({ev: 'smsc_enquire_link_resp', status: smscLink.command_status});

	// The SMSC's own error comes back as it is (a throttled SMSC).
	const throttled = await step('submit_sm the SMSC throttles', (done) => session.submit_sm(
		ad('84912000004', '[QC] Uu dai #throttle', {registered_delivery: 0}), done));
	say({ev: 'esme_submit_sm_resp', to: 'throttled', status: throttled.command_status});

	// A long message as SAR parts, and one in message_payload.
	const sar = ['[QC] Uu dai lon: giam 50% ', 'cho moi don tu 200k'];
	const sarAnswers = await Promise.all(sar.map((body, i) => step('a SAR part', (done) =>
		session.submit_sm(ad('84912000003', body, {registered_delivery: 0,
			sar_msg_ref_num: 0x0102, sar_total_segments: 2, sar_segment_seqnum: i + 1}), done))));
	say({ev: 'esme_parts_resp', to: 'sar', status: sarAnswers.map((a) => a.command_status)});
	const payload = await step('submit_sm with message_payload', (done) => session.submit_sm(
		ad('84912000004', '', {registered_delivery: 0,
			message_payload: '[QC] Uu dai trong message_payload'}), done));
	say({ev: 'esme_submit_sm_resp', to: 'payload', status: payload.command_status});

	// cancel_sm passes through in the SMSC's ids; replace_sm is refused
	// (it could swap a checked text for an unchecked one).
	const cancel = await step('cancel_sm', (done) => session.cancel_sm({
		message_id: multi.message_id, source_addr_ton: 5, source_addr_npi: 0,
		source_addr: 'SHOPVN', dest_addr_ton: 1, dest_addr_npi: 1,
		destination_addr: '84912000003'}, done));
	say({ev: 'esme_cancel_sm_resp', status: cancel.command_status});
	const replace = await step('replace_sm', (done) => session.replace_sm({
		message_id: multi.message_id, source_addr_ton: 5, source_addr_npi: 0,
		source_addr: 'SHOPVN', short_message: '[QC] van ban khac'}, done));
	say({ev: 'esme_replace_sm_resp', status: replace.command_status});

	// A care account bound twice, as a transmitter and as a receiver: the
	// receipt of what the transmitter sent reaches the receiver.
	const tx = client(port, 'care_tx');
	const rx = client(port, 'care_rx');
	const txBind = await step('bind_transmitter', (done) => tx.session.bind_transmitter(
		{system_id: 'shopvn_care', password: 'secret2'}, done));
	const rxBind = await step('bind_receiver', (done) => rx.session.bind_receiver(
		{system_id: 'shopvn_care', password: 'secret2'}, done));
	say({ev: 'care_bind_resp', status: [txBind.command_status, rxBind.command_status]});
	const care = await step('a care message', (done) => tx.session.submit_sm({
		source_addr_ton: 5, source_addr_npi: 0, source_addr: 'SHOPVN', dest_addr_ton: 1,
		dest_addr_npi: 1, destination_addr: '84912000002', registered_delivery: 1,
		short_message: 'Don hang cua ban da duoc giao'}, done));
	say({ev: 'care_submit_sm_resp', status: care.command_status, id: care.message_id});
	if (care.command_status === 0) {
		const r = await rx.next((d) => (d.esm_class & 0x3C) !== 0);
		say({ev: 'care_receipt', given: care.message_id, text: r.text,
			receipted_message_id: r.receipted_message_id});
	}
	for (const c of [tx, rx]) {
		await step('unbind', (done) => c.session.unbind({}, done));
		c.session.close();
	}

	// A subscriber refuses; the next ad to that subscriber is refused.
	const moStatus = await mo('smsc_ad', '84912000006', '9029', 'TC');
	say({ev: 'smsc_mo_resp', status: moStatus});
	const reply = await next((d) => (d.esm_class & 0x3C) === 0 && d.from === '84912000006');
	say({ev: 'esme_mo', from: reply.from, to: reply.to, text: reply.text});
	const after = await step('submit_sm after the refusal', (done) => session.submit_sm(
		ad('84912000006', '[QC] Uu dai moi'), done));
	say({ev: 'esme_submit_sm_resp', to: '84912000006', status: after.command_status});

	// The SMSC unbinds the proxy (maintenance): the proxy answers, binds
	// again, and the ESME's next ad goes through.
	const binds = smscBinds;
	const smscUnbind = await step('unbind from the SMSC', (done) =>
		sessions.smsc_ad.unbind({}, done));
	say({ev: 'smsc_unbind_resp', status: smscUnbind.command_status});
	await step('the proxy binding again', (done) => {
		const look = () => (smscBinds > binds ? done() : setTimeout(look, 50));
		look();
	});
	let again = null;
	for (let i = 0; i < 40; i++) {
		again = await step('submit_sm after the SMSC came back', (done) => session.submit_sm(
			ad('84912000005', '[QC] Uu dai sau bao tri', {registered_delivery: 0}), done));
		if (again.command_status === 0) break;
		await new Promise((r) => setTimeout(r, 100));
	}
	say({ev: 'esme_submit_sm_resp', to: 'after_unbind', status: again.command_status});

	const unbind = await step('unbind', (done) => session.unbind({}, done));
	say({ev: 'esme_unbind_resp', status: unbind.command_status});
	session.close();
}

smsc.listen(0, '127.0.0.1', () => {
	say({ev: 'listening', port: smsc.address().port});
	const rl = readline.createInterface({input: process.stdin});
	rl.once('line', (line) => {
		esme(Number(line.trim())).then(() => {
			say({ev: 'done'});
			process.exit(0);
		}, (e) => {
			say({ev: 'failed', error: String(e && e.stack || e)});
			process.exit(1);
		});
	});
});
