/*
 * The demo city's instruments and their five years of history (phase 5):
 * how many of each kind in each district, and for each instrument (a pure
 * function of the seed and its slot number) its filing, verifications,
 * failures, replacement or retirement, and what was done to it on purpose
 * (docs/DEMO.md, "The city's imperfections").
 *
 * Household water, electricity, gas and heat meters get their initial
 * verification only and are replaced at the end of their term (none
 * reaches it within five years); scales, dispensers, taxi meters, medical,
 * environmental and safety instruments are verified every year (pressure
 * gauges every six months); enterprise instruments are calibrated yearly.
 */
#include <stdlib.h>
#include <string.h>

#include "gen.h"

enum {
	C_MASS,
	C_LEN,
	C_PRES,
	C_TEMP,
	C_VOL,
	C_FLOW,
	C_EE,
	C_HEAT,
	C_TF,
	C_ELEC,
	C_IR,
	C_AC,
	C_CHEM,
	C_FORCE,
	C_HARD,
};
enum {
	I_ELEC,
	I_WATER,
	I_GAS,
	I_HEAT,
	I_SCALE,
	I_FUEL,
	I_TAXI,
	I_BP,
	I_THERMO,
	I_ECG,
	I_DOS,
	I_SLM,
	I_GA,
	I_PG,
	I_CH4,
};
enum { K_EM, K_WM, K_GM, K_HM, K_SC, K_FD, K_TX, K_BP, K_TH, K_ECG, K_DOS, K_SLM, K_GA, K_PG, K_CH4 };

static const unsigned heat_weights[CT_DEMO_DISTRICTS] = {35, 30, 0, 0, 0, 30, 5};
static const unsigned mine_weights[CT_DEMO_DISTRICTS] = {20, 10, 10, 10, 20, 30, 0};
static const unsigned tengzhou_only[CT_DEMO_DISTRICTS] = {0, 0, 0, 0, 0, 100, 0};

#define REL(v)                                                                                               \
	{                                                                                                    \
		NULL, v                                                                                      \
	}
#define ABS(unit, v)                                                                                         \
	{                                                                                                    \
		unit, v                                                                                      \
	}

const struct kind ct__demo_kinds[NKINDS] = {
    {"EM", "household electricity meter", C_EE, I_ELEC, 38000, REL(20000), BY_LAB, LAB_POWER, "ZZPWR-EE-W1",
     2920, true, NULL, "DDZY71-Z;DDZY102-Z;DDZY1710-Z"},
    {"WM", "household water meter", C_FLOW, I_WATER, 30000, REL(20000), BY_LAB, LAB_WATER, "ZZWAT-FLOW-W1",
     2190, true, NULL, "LXS-15E;LXSG-20E;LXLC-15"},
    {"GM", "household gas meter", C_FLOW, I_GAS, 14000, REL(15000), BY_LAB, LAB_GAS, "ZZGAS-FLOW-W1", 3650,
     true, NULL, "G2.5;G4;JGD4"},
    {"HM", "household heat meter", C_HEAT, I_HEAT, 6000, REL(50000), BY_LAB, LAB_HEAT, "ZZHEAT-HEAT-W1", 2190,
     true, heat_weights, "CRL-G20;HYRL-20"},
    {"SC", "trade scale", C_MASS, I_SCALE, 4500, REL(1000), BY_DISTRICT_INSTITUTE, -1, "MASS", 365, false,
     NULL, "ACS-15;ACS-30;TCS-150"},
    {"FD", "fuel dispenser", C_VOL, I_FUEL, 600, REL(3000), BY_LAB, LAB_CITY, "ZZCITY-VOL-W1", 365, false,
     NULL, "Tokheim-Quantium;JSB-2242"},
    {"TX", "taxi meter", C_LEN, I_TAXI, 400, REL(20000), BY_LAB, LAB_TRANSPORT, "ZZTRN-LEN-W1", 365, false,
     NULL, "JJ-X7;SZ-3800"},
    {"BP", "sphygmomanometer", C_PRES, I_BP, 1000, REL(10000), BY_LAB, LAB_HOSPITAL, "ZZHOSP-PRES-W1", 365,
     false, NULL, "HEM-7124;XJ11D"},
    {"TH", "clinical thermometer", C_TEMP, I_THERMO, 400, ABS("°C", 1000), BY_LAB, LAB_HOSPITAL,
     "ZZHOSP-TEMP-W1", 365, false, NULL, "MC-347;TH-20"},
    {"ECG", "electrocardiograph", C_ELEC, I_ECG, 300, REL(50000), BY_LAB, LAB_CITY, "ZZM-ELEC-02", 365, false,
     NULL, "ECG-1250;CM1200B"},
    {"DOS", "radiotherapy dosimeter", C_IR, I_DOS, 300, REL(150000), BY_LAB, LAB_CITY, "ZZM-IR-02", 365,
     false, NULL, "UNIDOS;PTW-30013"},
    {"SLM", "sound level meter", C_AC, I_SLM, 200, ABS("dB", 7000), BY_LAB, LAB_ENV, "ZZENV-AC-W1", 365,
     false, NULL, "AWA5688;HS5633"},
    {"GA", "flue-gas analyser", C_CHEM, I_GA, 300, REL(50000), BY_LAB, LAB_ENV, "ZZENV-CHEM-W1", 365, false,
     NULL, "testo-350;LY-3012H"},
    {"PG", "safety pressure gauge", C_PRES, I_PG, 2000, REL(16000), BY_DISTRICT_INSTITUTE, -1, "PRES", 180,
     false, NULL, "Y-100;YN-60"},
    {"CH4", "methane detector", C_CHEM, I_CH4, 500, REL(50000), BY_LAB, LAB_MINING, "ZZMINE-CHEM-W1", 365,
     false, mine_weights, "GJC4;JCB4"},
    {"PT", "process pressure transmitter", C_PRES, -1, 500, REL(10000), BY_LAB, LAB_CHEMICAL,
     "ZZLNHG-PRES-W1", 365, false, tengzhou_only, "EJA110E;3051C"},
    {"TT", "process thermometer", C_TEMP, -1, 300, ABS("°C", 5000), BY_LAB, LAB_CHEMICAL, "ZZLNHG-TEMP-W1",
     365, false, tengzhou_only, "WZP-230;TT-Pt100"},
    {"FM", "process flow meter", C_FLOW, -1, 200, REL(10000), BY_LAB, LAB_CHEMICAL, "ZZLNHG-FLOW-W1", 365,
     false, tengzhou_only, "LWGY-50;OPTIFLUX"},
    {"CL", "caliper", C_LEN, -1, 300, REL(200), BY_LAB, LAB_MACHINE, "ZZJC-LEN-W1", 365, false, tengzhou_only,
     "0-150mm;0-300mm"},
    {"HT", "hardness tester", C_HARD, -1, 100, REL(30000), BY_LAB, LAB_MACHINE, "ZZJC-HARD-W1", 365, false,
     tengzhou_only, "HR-150A;HBRV-187.5"},
    {"FG", "force gauge", C_FORCE, -1, 100, REL(10000), BY_LAB, LAB_MACHINE, "ZZJC-FORCE-W1", 365, false,
     tengzhou_only, "HP-500;SH-100"},
};

/* Per-mille of a district's periodically verified instruments left overdue. */
static const unsigned overdue_per_mille[CT_DEMO_DISTRICTS] = {15, 15, 20, 60, 120, 15, 10};

/* Splits count over the districts by weight, largest remainders first (deterministic). */
static void spread(uint32_t count, const unsigned *weights, uint32_t out[CT_DEMO_DISTRICTS])
{
	uint64_t rem[CT_DEMO_DISTRICTS], total = 0;
	uint32_t given = 0;
	int d, best;

	for (d = 0; d < CT_DEMO_DISTRICTS; d++)
		total += weights[d];
	for (d = 0; d < CT_DEMO_DISTRICTS; d++) {
		out[d] = (uint32_t)((uint64_t)count * weights[d] / total);
		rem[d] = (uint64_t)count * weights[d] % total;
		given += out[d];
	}
	while (given < count) {
		for (best = 0, d = 1; d < CT_DEMO_DISTRICTS; d++)
			if (rem[d] > rem[best])
				best = d;
		out[best]++;
		rem[best] = 0;
		given++;
	}
}

/* k distinct slots of [base, base + count), sorted, appended to sel. */
static int choose(struct selection *sel, rng *r, uint32_t base, uint32_t count, uint32_t k)
{
	uint32_t *v, i, j, pick;
	size_t start = sel->n;
	bool dup;

	if (k > count)
		k = count;
	if (!(v = realloc(sel->v, (sel->n + k) * sizeof(*v))))
		return -1;
	sel->v = v;
	for (i = count - k; i < count; i++) { /* Floyd's algorithm */
		pick = rng_below(r, i + 1);
		dup = false;
		for (j = (uint32_t)start; j < sel->n; j++)
			dup |= v[j] == base + pick;
		v[sel->n++] = base + (dup ? i : pick);
	}
	return 0;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static uint32_t kind_total(const struct gen *g, int kind)
{
	uint32_t n = 0;
	int d;

	for (d = 0; d < CT_DEMO_DISTRICTS; d++)
		n += g->count[kind][d];
	return n;
}

/* The instruments chosen for each imperfection: a few per mille of the city, at least three. */
static int select_imperfect(struct gen *g)
{
	uint32_t k = (uint32_t)(g->o->instruments / 4000 < 3 ? 3 : g->o->instruments / 4000);
	rng r = rng_for(g->o->seed, 0x5e1, 0, 0);
	int sp, rc = 0;

	rc |= choose(&g->chosen[SP_GAP], &r, g->base[K_SC][D_YICHENG], g->count[K_SC][D_YICHENG] / 2, k);
	rc |=
	    choose(&g->chosen[SP_CALIBRATION], &r, g->base[K_SC][D_GAOXIN], g->count[K_SC][D_GAOXIN] / 2, k);
	rc |= choose(&g->chosen[SP_UNVERIFIED], &r, g->base[K_SC][D_TENGZHOU], g->count[K_SC][D_TENGZHOU] / 2,
		     k);
	rc |= choose(&g->chosen[SP_OOT], &r, g->base[K_PG][D_TAIERZHUANG], g->count[K_PG][D_TAIERZHUANG], k);
	rc |= choose(&g->chosen[SP_REVOKED], &r, g->base[K_TX][0], kind_total(g, K_TX) / 2, k);
	rc |= choose(&g->chosen[SP_SCOPE], &r, g->base[K_DOS][0], kind_total(g, K_DOS) / 2, k);
	for (sp = 0; sp < SP__COUNT; sp++)
		if (g->chosen[sp].n)
			qsort(g->chosen[sp].v, g->chosen[sp].n, sizeof(uint32_t), cmp_u32);
	return rc;
}

int ct__gen_allocate(struct gen *g)
{
	unsigned city[CT_DEMO_DISTRICTS];
	uint32_t next = 0, count;
	int k, d;

	for (d = 0; d < CT_DEMO_DISTRICTS; d++)
		city[d] = ct_demo_districts[d].weight;
	for (k = 0; k < NKINDS; k++) {
		const struct kind *kd = &ct__demo_kinds[k];
		count = (uint32_t)((g->o->instruments * (uint64_t)kd->per_100k + 50000) / 100000);
		spread(count, kd->weights ? kd->weights : city, g->count[k]);
		for (d = 0; d < CT_DEMO_DISTRICTS; d++) {
			g->base[k][d] = next;
			next += g->count[k][d];
			g->kind_std[k][d] = -1;
			if (kd->by == BY_LAB) {
				g->kind_std[k][d] = ct__gen_find_std(g, kd->std);
			} else {
				char id[32];
				snprintf(id, sizeof(id), "ZZ%s-%s-01", ct_demo_districts[d].code, kd->std);
				g->kind_std[k][d] = ct__gen_find_std(g, id);
			}
			if (g->kind_std[k][d] < 0)
				return -1;
		}
	}
	g->nslots = next;
	return select_imperfect(g);
}

static bool chosen(const struct gen *g, int sp, uint32_t slot)
{
	const struct selection *s = &g->chosen[sp];

	return s->n && bsearch(&slot, s->v, s->n, sizeof(uint32_t), cmp_u32) != NULL;
}

static int special_of(const struct gen *g, uint32_t slot)
{
	int sp;

	for (sp = SP_UNVERIFIED; sp < SP__COUNT; sp++)
		if (chosen(g, sp, slot))
			return sp;
	return SP_NONE;
}

/* Kind, district and serial (1-based) of a slot. */
static void locate(const struct gen *g, uint32_t slot, int *kind, int *district, uint32_t *serial)
{
	int lo = 0, hi = NKINDS * CT_DEMO_DISTRICTS - 1, mid;

	while (lo < hi) { /* the last (kind, district) whose base is <= slot */
		mid = (lo + hi + 1) / 2;
		if (g->base[mid / CT_DEMO_DISTRICTS][mid % CT_DEMO_DISTRICTS] <= slot)
			lo = mid;
		else
			hi = mid - 1;
	}
	while (g->count[lo / CT_DEMO_DISTRICTS][lo % CT_DEMO_DISTRICTS] == 0 ||
	       slot >= g->base[lo / CT_DEMO_DISTRICTS][lo % CT_DEMO_DISTRICTS] +
			   g->count[lo / CT_DEMO_DISTRICTS][lo % CT_DEMO_DISTRICTS])
		lo++; /* empty cells share a base with the next one */
	*kind = lo / CT_DEMO_DISTRICTS;
	*district = lo % CT_DEMO_DISTRICTS;
	*serial = slot - g->base[*kind][*district] + 1;
}

static void add_cal(const struct gen *g, struct inst *in, rng *r, int32_t day, bool pass, int std)
{
	const struct kind *kd = &ct__demo_kinds[in->kind];
	struct cal *c = &in->cals[in->ncals++];

	c->at = (int64_t)day * DAY_MS + 9 * HOUR_MS + (int64_t)rng_below(r, 480) * MIN_MS;
	c->until = (int64_t)(day + kd->interval_days) * DAY_MS;
	c->lab = (int16_t)in->lab;
	c->std = (int16_t)std;
	c->tech = (int16_t)rng_below(r, (uint32_t)g->npeople[in->lab]);
	c->kind = kd->item >= 0 ? K_VERIFICATION : K_CALIBRATION;
	c->as_found = pass ? AF_IN : AF_OUT;
	c->pass = pass;
}

/* A day moved out of the windows where the lab or its standard could not work. */
static int32_t avoid_windows(const struct gen *g, const struct inst *in, int std, rng *r, int32_t day)
{
	int64_t t = (int64_t)day * DAY_MS;

	if (in->lab == LAB_TRANSPORT && t >= g->revoke_from && t < g->revoke_to)
		return (int32_t)(g->revoke_to / DAY_MS) + (int32_t)rng_below(r, 7);
	if (std == g->gap_std && t >= g->gap_from && t < g->gap_to)
		return (int32_t)(g->gap_to / DAY_MS) + 1 + (int32_t)rng_below(r, 6);
	return day;
}

/* Moves the last verification to a day in [from, to] (dropping any later), for an imperfection. */
static void force_last(struct inst *in, rng *r, int32_t from, int32_t to)
{
	int32_t day = from + (int32_t)rng_below(r, (uint32_t)(to - from + 1));
	int64_t at = (int64_t)day * DAY_MS + 9 * HOUR_MS + (int64_t)rng_below(r, 480) * MIN_MS;
	struct cal last = in->cals[in->ncals - 1];

	while (in->ncals > 1 && in->cals[in->ncals - 1].at >= (int64_t)day * DAY_MS)
		in->ncals--;
	if (in->cals[in->ncals - 1].at < (int64_t)day * DAY_MS)
		in->ncals++;
	last.until = last.until - last.at / DAY_MS * DAY_MS + (int64_t)day * DAY_MS;
	last.at = at;
	last.pass = true;
	last.as_found = AF_IN;
	in->cals[in->ncals - 1] = last;
}

/* Household meters: verified once when installed; a few replaced early, some rural ones never verified. */
static void household(const struct gen *g, struct slot *s, rng *r, int std)
{
	struct inst *in = &s->inst[0];
	int32_t a = g->sd + (int32_t)rng_below(r, (uint32_t)(g->rd - 3 - g->sd)), b;

	in->reg_at = (int64_t)a * DAY_MS + 9 * HOUR_MS;
	if (in->kind == K_WM && in->district == D_SHANTING && rng_chance(r, 150)) {
		in->special =
		    SP_UNVERIFIED; /* village supply taken over by the water company, not yet verified */
		return;
	}
	add_cal(g, in, r, a, true, std);
	if (a < g->rd - 60 && rng_chance(r, 10)) {
		b = a + 30 + (int32_t)rng_below(r, (uint32_t)(g->rd - 40 - a));
		in->retire_at = (int64_t)b * DAY_MS + 9 * HOUR_MS;
		s->inst[1] = *in;
		s->n = 2;
		in = &s->inst[1];
		snprintf(in->id + strlen(in->id), sizeof(in->id) - strlen(in->id), "-2");
		in->salt ^= 0x2u;
		in->retire_at = 0;
		in->ncals = 0;
		in->reg_at = (int64_t)b * DAY_MS + 10 * HOUR_MS;
		add_cal(g, in, r, b, true, std);
		in->cals[0].at = in->reg_at + 30 * MIN_MS;
	}
}

/* Instruments verified (or calibrated) at an interval, for the five years. */
static void periodic(const struct gen *g, struct inst *in, rng *r, int std, int sp)
{
	const struct kind *kd = &ct__demo_kinds[in->kind];
	int interval = kd->interval_days;
	int32_t day, first, retire;

	if (sp == SP_UNVERIFIED) { /* filed lately, not verified yet */
		in->reg_at = (int64_t)(g->rd - 5 - (int32_t)rng_below(r, 55)) * DAY_MS + 9 * HOUR_MS;
		return;
	}
	if (sp != SP_NONE || rng_chance(r, 850)) { /* in service before the five years */
		in->reg_at =
		    (int64_t)(g->sd - 1) * DAY_MS + 8 * HOUR_MS + (int64_t)rng_below(r, 600) * MIN_MS;
		first = g->sd + (int32_t)rng_below(r, (uint32_t)interval);
	} else {
		first = g->sd + (int32_t)rng_below(r, (uint32_t)(g->rd - 30 - g->sd));
		in->reg_at = (int64_t)first * DAY_MS + 8 * HOUR_MS;
	}
	for (day = first; in->ncals < INST_CALS - 2;) {
		day = avoid_windows(g, in, std, r, day);
		if (day > g->rd - 1)
			break;
		if (day <= g->rd - 10 && rng_chance(r, 5)) { /* failed; repaired and verified again */
			add_cal(g, in, r, day, false, std);
			day = avoid_windows(g, in, std, r, day + 2 + (int32_t)rng_below(r, 6));
		}
		add_cal(g, in, r, day, true, std);
		day += interval - (int32_t)rng_below(r, 21);
	}
	if (sp == SP_NONE && in->ncals && rng_chance(r, 20)) { /* taken out of use */
		retire = first + 30 +
			 (int32_t)rng_below(r, (uint32_t)(g->rd > first + 31 ? g->rd - 31 - first : 1));
		while (in->ncals && in->cals[in->ncals - 1].at >= (int64_t)retire * DAY_MS)
			in->ncals--;
		in->retire_at = (int64_t)retire * DAY_MS + 16 * HOUR_MS;
	} else if (sp == SP_NONE && rng_chance(r, overdue_per_mille[in->district])) {
		while (in->ncals && in->cals[in->ncals - 1].until > g->R - 15 * DAY_MS)
			in->ncals--;
		in->special = SP_OVERDUE;
	}
}

/* What was done on purpose to a chosen instrument, on its last verification. */
static void imperfect(const struct gen *g, struct inst *in, rng *r, int sp)
{
	const struct standard *oot = &g->stds[g->oot_std];
	int32_t close = (int32_t)(oot->cals[oot->ncals - 1].at / DAY_MS),
		since = (int32_t)(oot->oot_since / DAY_MS);

	switch (sp) {
	case SP_GAP:
		force_last(in, r, (int32_t)(g->gap_from / DAY_MS) + 1, (int32_t)(g->gap_to / DAY_MS) - 1);
		break;
	case SP_REVOKED:
		force_last(in, r, (int32_t)(g->revoke_from / DAY_MS) + 1,
			   (int32_t)(g->revoke_to / DAY_MS) - 2);
		break;
	case SP_OOT:
		force_last(in, r, since + 1 > g->rd - 170 ? since + 1 : g->rd - 170, close - 1);
		break;
	case SP_CALIBRATION:
		in->cals[in->ncals - 1].kind = K_CALIBRATION;
		break;
	case SP_SCOPE: /* every verification of the hospital's own dosimeters, by its physicist */
		for (int i = 0; i < in->ncals; i++)
			in->cals[i].tech = 0;
		break;
	default:
		break;
	}
}

void ct__gen_slot(const struct gen *g, uint32_t slot, struct slot *out)
{
	int kind, district, sp = special_of(g, slot), std;
	uint32_t serial;
	struct inst *in = &out->inst[0];
	rng r = rng_for(g->o->seed, 0x5107, slot, 0);

	locate(g, slot, &kind, &district, &serial);
	memset(out, 0, sizeof(*out));
	out->n = 1;
	in->kind = kind;
	in->district = district;
	in->special = sp;
	in->salt = (uint32_t)rng_next(&r);
	snprintf(in->id, sizeof(in->id), "%s-%s-%07u", ct__demo_kinds[kind].code,
		 ct_demo_districts[district].code, serial);
	in->lab = ct__demo_kinds[kind].by == BY_DISTRICT_INSTITUTE ? LAB_DISTRICT0 + district
								   : ct__demo_kinds[kind].lab;
	std = g->kind_std[kind][district];
	if (sp == SP_SCOPE) {
		in->lab = LAB_HOSPITAL;
		std = g->scope_std;
	}
	if (ct__demo_kinds[kind].household) {
		household(g, out, &r, std);
		return;
	}
	periodic(g, in, &r, std, sp);
	if (sp != SP_NONE && sp != SP_UNVERIFIED && in->ncals)
		imperfect(g, in, &r, sp);
}

/* ---- who owns it, what model ---- */

static const char *const streets[] = {"光明路", "振兴路", "建设路", "文化路", "解放路",
				      "人民路", "青檀路", "龙头路", "荆河路", "善国路"};
static const char *const markets[] = {"农贸市场", "综合市场", "蔬菜批发市场", "水产市场", "超市"};
static const char *const hospitals[] = {"枣庄市立医院",	      "枣庄市中医医院", "滕州市中心人民医院",
					"枣庄矿务局中心医院", "区人民医院",	"镇卫生院"};
static const char *const mines[] = {"付村煤矿", "柴里煤矿", "蒋庄煤矿", "滨湖煤矿", "田陈煤矿", "高庄煤矿"};
static const char *const plants[] = {"热电厂", "水泥厂", "化工厂", "食品厂", "机械厂", "纺织厂"};

void ct__gen_owner(const struct gen *g, const struct inst *in, char *out, size_t size)
{
	const char *d = ct_demo_districts[in->district].name;
	uint32_t s = in->salt;

	switch (in->kind) {
	case K_EM:
		snprintf(out, size, "国网枣庄供电公司（%s）", d);
		break;
	case K_WM:
		snprintf(out, size, "枣庄水务集团（%s）", d);
		break;
	case K_GM:
		snprintf(out, size, "枣庄中燃城市燃气（%s）", d);
		break;
	case K_HM:
		snprintf(out, size, "枣庄热力公司（%s）", d);
		break;
	case K_SC:
		snprintf(out, size, "%s%s%s %u号摊位", d, streets[s % 10], markets[(s >> 4) % 5],
			 (s >> 8) % 200 + 1);
		break;
	case K_FD:
		snprintf(out, size, "%s第%u加油站",
			 s % 2 ? "中国石化枣庄石油分公司" : "中国石油枣庄销售分公司", (s >> 4) % 90 + 1);
		break;
	case K_TX:
		snprintf(out, size, "枣庄%s出租汽车公司 鲁D·T%04u", d, (s >> 4) % 10000);
		break;
	case K_BP:
	case K_TH:
	case K_ECG:
	case K_DOS:
		if (in->special == SP_SCOPE)
			snprintf(out, size, "枣庄市立医院");
		else if ((s >> 4) % 6 >= 4)
			snprintf(out, size, "%s%s", d, hospitals[(s >> 4) % 6]);
		else
			snprintf(out, size, "%s", hospitals[(s >> 4) % 6]);
		break;
	case K_SLM:
	case K_GA:
		snprintf(out, size, "枣庄市生态环境局%s分局", d);
		break;
	case K_PG:
		snprintf(out, size, "%s%s%s", d, streets[s % 10], plants[(s >> 4) % 6]);
		break;
	case K_CH4:
		snprintf(out, size, "枣庄矿业集团%s", mines[(s >> 4) % 6]);
		break;
	default:
		snprintf(out, size, "%s", ct_demo_labs[ct__demo_kinds[in->kind].lab].name);
		break;
	}
	(void)g;
}

const char *ct__gen_model(const struct inst *in, char *out, size_t size)
{
	const char *p = ct__demo_kinds[in->kind].models, *semi;
	int n = 1, pick;

	for (semi = p; (semi = strchr(semi, ';')); semi++)
		n++;
	for (pick = (int)((in->salt >> 12) % (uint32_t)n); pick > 0; pick--)
		p = strchr(p, ';') + 1;
	semi = strchr(p, ';');
	snprintf(out, size, "%.*s", semi ? (int)(semi - p) : (int)strlen(p), p);
	return out;
}
