/*
 * A small network written through the append path, shared by the store
 * tests: the bureau (key 1) founds it and admits three labs (keys 2..4);
 * every event type appears; then a seeded random mix of instrument
 * registrations, calibrations, retirements, revocations and an
 * out-of-tolerance declaration.
 */
#ifndef CT_STORE_NETWORK_H
#define CT_STORE_NETWORK_H

#include "ct_store_test.h"

#define NET_LABS	    3
#define NET_MAX_INSTRUMENTS 64
#define NET_MAX_CALS	    64

typedef struct net {
	ct_keypair *bureau;
	ct_keypair *labs[NET_LABS];
	uint8_t anchor[32];		/* the bureau's anchor of S-0 */
	uint8_t std_link[NET_LABS][32]; /* what each lab's own standard S-i relies on */
	int day;			/* the clock: entry times are ts_day(day++) */
	char instruments[NET_MAX_INSTRUMENTS][16];
	int instrument_lab[NET_MAX_INSTRUMENTS];
	int ninstruments;
	uint8_t cals[NET_MAX_CALS][32];
	int cal_lab[NET_MAX_CALS];
	int ncals;
	int entries; /* appended so far */
} net;

static inline void net_keys(net *n)
{
	int i;

	memset(n, 0, sizeof(*n));
	n->bureau = ct_test_keypair(1);
	for (i = 0; i < NET_LABS; i++)
		n->labs[i] = ct_test_keypair(2 + i);
}

static inline void net_free(net *n)
{
	int i;

	ct_keypair_free(n->bureau);
	for (i = 0; i < NET_LABS; i++)
		ct_keypair_free(n->labs[i]);
}

static inline uint64_t net_tick(net *n)
{
	n->entries++;
	return ts_day(n->day++);
}

/* Genesis, admissions, a certified person, a catalogue item, the standards and their links. */
static inline void net_found(net *n, ct_ledger *l)
{
	static const char *const tiers[NET_LABS] = {"city", "district", "authorized"};
	uint64_t t;
	int i;

	ts_append_ok(
	    l, n->bureau, net_tick(n), NULL, "network.genesis",
	    "{'name':'Test City','districts':['north','south'],'policy':{'min_ratio':3,'grace_days':0}}");
	for (i = 0; i < NET_LABS; i++)
		ts_append_ok(
		    l, n->bureau, net_tick(n), NULL, "org.admit",
		    "{'key':'%s','name':'Lab %d','tier':'%s','district':'north','scope':['mass','pressure'],"
		    "'valid_from':'2026-01-01','valid_until':'2030-01-01'}",
		    ts_key(n->labs[i]), i, tiers[i]);
	ts_append_ok(l, n->bureau, net_tick(n), NULL, "person.certify",
		     "{'person':'P-1','name':'Li Wei','scope':['mass'],'valid_until':'2029-01-01'}");
	ts_append_ok(
	    l, n->bureau, net_tick(n), NULL, "catalogue.set",
	    "{'item':'scale-trade','name':'trade scale','mode':'V','interval_days':365,'domains':['trade'],"
	    "'effective':'2026-01-01'}");
	ts_append_ok(l, n->labs[0], net_tick(n), NULL, "standard.register",
		     "{'id':'S-0','name':'E2 weights','category':'mass','level':'municipal','public':true,"
		     "'u':{'rel_ppm':2}}");
	ts_append_ok(l, n->bureau, net_tick(n), NULL, "standard.approve",
		     "{'id':'S-0','certificate':'A-1','valid_from':'2026-01-01','valid_until':'2030-01-01'}");
	t = net_tick(n);
	ts_append_ok(l, n->bureau, t, n->anchor, "standard.anchor",
		     "{'id':'S-0','provider':'Provincial institute','certificate':'P-1','performed_at':%llu,"
		     "'valid_until':'2028-01-01','u':{'rel_ppm':1}}",
		     (unsigned long long)t);
	memcpy(n->std_link[0], n->anchor, 32);
	for (i = 1; i < NET_LABS; i++) {
		ts_append_ok(
		    l, n->labs[i], net_tick(n), NULL, "standard.register",
		    "{'id':'S-%d','name':'F1 weights','category':'mass','level':'working','public':false,"
		    "'u':{'abs':'0.5','unit':'mg'}}",
		    i);
		t = net_tick(n);
		ts_append_ok(
		    l, n->labs[0], t, n->std_link[i], "calibration",
		    "{'subject':'S-%d','subject_kind':'standard','kind':'calibration',"
		    "'standards':[{'id':'S-0','cal':'%s'}],'performed_at':%llu,'valid_until':'2028-01-01',"
		    "'result':'pass','certificate':'C-S-%d'}",
		    i, ts_hex(n->anchor), (unsigned long long)t, i);
	}
}

/* One random event by a random lab (always one that its relations allow). */
static inline void net_random_event(net *n, ct_ledger *l, uint64_t *rng)
{
	int lab = (int)(ct_test_rand(rng) % NET_LABS), pick, k;
	uint64_t t;

	switch (ct_test_rand(rng) % 4) {
	case 0:
	default:
		if (n->ninstruments == NET_MAX_INSTRUMENTS)
			return;
		k = n->ninstruments++;
		snprintf(n->instruments[k], sizeof(n->instruments[k]), "I-%d", k);
		n->instrument_lab[k] = lab;
		ts_append_ok(l, n->labs[lab], net_tick(n), NULL, "instrument.register",
			     "{'id':'%s','category':'mass','catalogue':'scale-trade','domain':'trade',"
			     "'district':'south','owner':'Market %d','mpe':{'rel_ppm':1000}}",
			     n->instruments[k], k);
		return;
	case 1:
	case 2:
		if (n->ninstruments == 0 || n->ncals == NET_MAX_CALS)
			return;
		pick = (int)(ct_test_rand(rng) % (uint64_t)n->ninstruments);
		lab = n->instrument_lab[pick];
		k = n->ncals++;
		n->cal_lab[k] = lab;
		t = net_tick(n);
		ts_append_ok(
		    l, n->labs[lab], t, n->cals[k], "calibration",
		    "{'subject':'%s','subject_kind':'instrument','kind':'verification',"
		    "'standards':[{'id':'S-%d','cal':'%s'}],'performed_at':%llu,'valid_until':'2027-06-01',"
		    "'result':'%s','technician':'P-1','certificate':'V-%d','as_found':'in'}",
		    n->instruments[pick], lab, ts_hex(n->std_link[lab]), (unsigned long long)t,
		    ct_test_rand(rng) % 5 ? "pass" : "fail", k);
		return;
	case 3:
		if (n->ncals == 0)
			return;
		pick = (int)(ct_test_rand(rng) % (uint64_t)n->ncals);
		ts_append_ok(l, n->labs[n->cal_lab[pick]], net_tick(n), NULL, "calibration.revoke",
			     "{'entry':'%s','reason':'wrong certificate'}", ts_hex(n->cals[pick]));
		return;
	}
}

/* Founds the network, then count random events, then a retirement, an OOT and a revocation. */
static inline void net_build(net *n, ct_ledger *l, uint64_t *rng, int count)
{
	uint64_t t;
	int i;

	net_found(n, l);
	for (i = 0; i < count; i++)
		net_random_event(n, l, rng);
	if (n->ninstruments > 0) {
		t = net_tick(n);
		ts_append_ok(l, n->labs[n->instrument_lab[0]], t, NULL, "instrument.retire",
			     "{'id':'%s','effective':%llu}", n->instruments[0], (unsigned long long)t);
	}
	t = net_tick(n);
	ts_append_ok(l, n->labs[1], t, NULL, "standard.out_of_tolerance",
		     "{'id':'S-1','since':%llu,'reason':'drift at intermediate check'}",
		     (unsigned long long)(t - 2 * 86400000ULL));
	t = net_tick(n);
	ts_append_ok(l, n->bureau, t, NULL, "org.revoke",
		     "{'key':'%s','effective':%llu,'reason':'licence expired'}", ts_key(n->labs[2]),
		     (unsigned long long)t);
}

#endif
