/*
 * The demo city's description and its first four phases (docs/DEMO.md):
 * the bureau founds the network, admits the labs, certifies their
 * metrologists and publishes the compulsory-verification catalogue (1);
 * every lab registers its standards (2); the bureau approves the public
 * ones and records the provincial institute's yearly calibration of each
 * municipal standard (3); the municipal institute calibrates every other
 * standard each year (4). Phase 5 is in history.c.
 */
#include <stdlib.h>
#include <string.h>

#include "gen.h"

const struct ct_demo_district ct_demo_districts[CT_DEMO_DISTRICTS] = {
    {"市中区", "SZ", "Shizhong", 16},	       {"薛城区", "XC", "Xuecheng", 12},
    {"峄城区", "YC", "Yicheng", 10},	       {"台儿庄区", "TEZ", "Taierzhuang", 7},
    {"山亭区", "ST", "Shanting", 10},	       {"滕州市", "TZ", "Tengzhou", 40},
    {"枣庄高新区", "GX", "high-tech zone", 5},
};

#define ALL_CATEGORIES                                                                                       \
	"mass;length;pressure;temperature;volume;flow;electrical-energy;heat;time-frequency;electrical;"     \
	"ionizing-radiation;acoustics;chemistry;force;hardness;optics"
#define DISTRICT_SCOPE                                                                                       \
	"mass;length;pressure;temperature;volume;flow;electrical-energy;time-frequency;electrical;force"

const struct ct_demo_lab ct_demo_labs[CT_DEMO_LABS] = {
    {"bureau", "枣庄市市场监督管理局", "the bureau", CT_DEMO_TIER_BUREAU, D_XUECHENG, "", false, 0},
    {"city", "枣庄市计量测试所", "municipal institute", CT_DEMO_TIER_CITY, D_XUECHENG, ALL_CATEGORIES, false,
     12},
    {"shizhong", "市中区计量检定所", "Shizhong institute", CT_DEMO_TIER_DISTRICT, D_SHIZHONG, DISTRICT_SCOPE,
     false, 4},
    {"xuecheng", "薛城区计量检定所", "Xuecheng institute", CT_DEMO_TIER_DISTRICT, D_XUECHENG, DISTRICT_SCOPE,
     true, 4},
    {"yicheng", "峄城区计量检定所", "Yicheng institute", CT_DEMO_TIER_DISTRICT, D_YICHENG, DISTRICT_SCOPE,
     false, 3},
    {"taierzhuang", "台儿庄区计量检定所", "Taierzhuang institute", CT_DEMO_TIER_DISTRICT, D_TAIERZHUANG,
     DISTRICT_SCOPE, true, 3},
    {"shanting", "山亭区计量检定所", "Shanting institute", CT_DEMO_TIER_DISTRICT, D_SHANTING, DISTRICT_SCOPE,
     false, 3},
    {"tengzhou", "滕州市计量检定所", "Tengzhou institute", CT_DEMO_TIER_DISTRICT, D_TENGZHOU, DISTRICT_SCOPE,
     false, 6},
    {"gaoxin", "枣庄高新区计量检定所", "high-tech zone institute", CT_DEMO_TIER_DISTRICT, D_GAOXIN,
     DISTRICT_SCOPE, true, 2},
    {"power", "国网枣庄供电公司电能计量中心", "power company meter lab", CT_DEMO_TIER_AUTHORIZED, D_SHIZHONG,
     "electrical-energy;electrical", false, 6},
    {"water", "枣庄水务集团水表检定站", "water company meter lab", CT_DEMO_TIER_AUTHORIZED, D_SHIZHONG,
     "flow;volume", true, 4},
    {"gas", "枣庄中燃燃气表检定站", "gas company meter lab", CT_DEMO_TIER_AUTHORIZED, D_XUECHENG, "flow",
     true, 3},
    {"heat", "枣庄热力公司热量表检定站", "heat company meter lab", CT_DEMO_TIER_AUTHORIZED, D_SHIZHONG,
     "heat;temperature;flow", true, 2},
    {"hospital", "枣庄市立医院医学计量站", "hospital medical-equipment lab", CT_DEMO_TIER_AUTHORIZED,
     D_SHIZHONG, "pressure;temperature", true, 3},
    {"environment", "枣庄市生态环境监测中心计量室", "environmental monitoring lab", CT_DEMO_TIER_AUTHORIZED,
     D_XUECHENG, "acoustics;chemistry;flow", false, 2},
    {"transport", "枣庄市交通运输计量检定站", "taxi-meter lab", CT_DEMO_TIER_AUTHORIZED, D_SHIZHONG,
     "length;time-frequency", false, 2},
    {"mining", "枣庄矿业集团安全仪器计量站", "coal-mine safety lab", CT_DEMO_TIER_AUTHORIZED, D_XUECHENG,
     "chemistry;pressure", false, 2},
    {"chemical", "鲁南化工计量室", "coal-chemical works lab", CT_DEMO_TIER_ENTERPRISE, D_TENGZHOU,
     "pressure;temperature;flow", false, 2},
    {"machine", "滕州机床厂计量室", "machine-tool works lab", CT_DEMO_TIER_ENTERPRISE, D_TENGZHOU,
     "length;hardness;force", true, 2},
};

/* bureau - city; city - each district; the others hang off the bureau or the city; a few cross links. */
static const int links[][2] = {
    {LAB_BUREAU, LAB_CITY},
    {LAB_CITY, 2},
    {LAB_CITY, 3},
    {LAB_CITY, 4},
    {LAB_CITY, 5},
    {LAB_CITY, 6},
    {LAB_CITY, 7},
    {LAB_CITY, 8},
    {LAB_BUREAU, LAB_POWER},
    {LAB_BUREAU, LAB_WATER},
    {LAB_BUREAU, LAB_GAS},
    {LAB_BUREAU, LAB_HEAT},
    {LAB_CITY, LAB_HOSPITAL},
    {LAB_CITY, LAB_ENV},
    {LAB_BUREAU, LAB_TRANSPORT},
    {LAB_CITY, LAB_MINING},
    {7, LAB_CHEMICAL},
    {7, LAB_MACHINE},
    {7, 6},
    {2, 3},
    {LAB_POWER, LAB_WATER},
    {LAB_BUREAU, 7},
};

size_t ct_demo_links(const int (**out)[2])
{
	*out = links;
	return sizeof(links) / sizeof(links[0]);
}

const char *const ct_demo_phase_names[CT_DEMO_PHASES] = {
    "the bureau founds the network: admissions, metrologists, catalogue",
    "every lab registers its standards",
    "the bureau approves the public standards and records their provincial calibrations",
    "the municipal institute calibrates the district and working standards",
    ("every lab files its instruments and writes five years of verifications (the mining lab until "
     "the bureau re-keys it)"),
    "the mining lab, re-keyed, goes on with its new key and node",
};

/* u: municipal, then district and working; MPEs in history.c are at least 3 x the latter. */
const struct category ct__demo_categories[] = {
    {"mass", "MASS", "质量", NULL, 2, 20, 12, 4},
    {"length", "LEN", "长度", NULL, 1, 10, 14, 4},
    {"pressure", "PRES", "压力", NULL, 50, 500, 10, 4},
    {"temperature", "TEMP", "温度", "°C", 20, 100, 10, 3},
    {"volume", "VOL", "容量", NULL, 100, 500, 8, 2},
    {"flow", "FLOW", "流量", NULL, 200, 1000, 8, 2},
    {"electrical-energy", "EE", "电能", NULL, 100, 500, 6, 2},
    {"heat", "HEAT", "热能", NULL, 1000, 5000, 2, 0},
    {"time-frequency", "TF", "时间频率", NULL, 1, 10, 5, 1},
    {"electrical", "ELEC", "电磁", NULL, 20, 200, 10, 2},
    {"ionizing-radiation", "IR", "电离辐射", NULL, 10000, 35000, 3, 0},
    {"acoustics", "AC", "声学", "dB", 300, 1000, 4, 0},
    {"chemistry", "CHEM", "物理化学", NULL, 500, 2000, 8, 0},
    {"force", "FORCE", "力学", NULL, 20, 200, 6, 1},
    {"hardness", "HARD", "硬度", NULL, 2000, 8000, 3, 0},
    {"optics", "OPT", "光学", NULL, 1000, 5000, 3, 0},
};
const int ct__demo_ncategories = sizeof(ct__demo_categories) / sizeof(ct__demo_categories[0]);

/* Names of standards, per category, cycled. */
static const char *const std_names[][4] = {
    {"E2等级砝码标准装置", "F1等级砝码标准装置", "电子天平检定装置", "非自动衡器检定装置"},
    {"量块标准装置", "卡尺量具检定装置", "测距仪检定装置", "出租汽车计价器检定装置"},
    {"活塞式压力计标准装置", "精密压力表标准装置", "血压计检定装置", NULL},
    {"二等铂电阻温度计标准装置", "工作用玻璃液体温度计标准装置", "医用体温计检定装置", NULL},
    {"二等标准金属量器", "液体流量标准装置", NULL, NULL},
    {"水表检定装置", "钟罩式气体流量标准装置", "热量表检定装置", NULL},
    {"三相电能表检定装置", "单相电能表检定装置", NULL, NULL},
    {"热量表检定装置", NULL, NULL, NULL},
    {"铯原子频率标准", "时间间隔测量仪检定装置", NULL, NULL},
    {"多功能校准源标准装置", "心电图机检定仪标准装置", "绝缘电阻表检定装置", NULL},
    {"X、γ射线空气比释动能标准装置", "治疗水平剂量计标准装置", NULL, NULL},
    {"声校准器检定装置", "声级计检定装置", NULL, NULL},
    {"标准气体配气装置", "烟气分析仪检定装置", "可燃气体检测报警器检定装置", NULL},
    {"标准测力仪", "扭矩扳子检定装置", NULL, NULL},
    {"洛氏硬度标准装置", "布氏硬度标准装置", NULL, NULL},
    {"照度计检定装置", "光谱光度计标准装置", NULL, NULL},
};

const struct catalogue_item ct__demo_catalogue[] = {
    {"meter-electricity", "电能表（居民用）", "V", "trade", 2920},
    {"meter-water", "水表（居民用）", "V", "trade", 2190},
    {"meter-gas", "燃气表（居民用）", "V", "trade", 3650},
    {"meter-heat", "热能表（居民用）", "V", "trade", 2190},
    {"scale-trade", "电子计价秤", "V", "trade", 365},
    {"fuel-dispenser", "燃油加油机", "V", "trade", 365},
    {"taximeter", "出租汽车计价器", "V", "trade", 365},
    {"sphygmomanometer", "血压计", "V", "medical", 365},
    {"thermometer-medical", "医用体温计", "V", "medical", 365},
    {"ecg", "心电图机", "V", "medical", 365},
    {"dosimeter", "放射治疗剂量计", "V", "medical", 365},
    {"sound-level-meter", "声级计", "V", "environment", 365},
    {"gas-analyser", "烟气分析仪", "V", "environment", 365},
    {"pressure-gauge", "压力表（安全防护）", "V", "safety", 180},
    {"methane-detector", "甲烷检测报警仪", "V", "safety", 365},
};
const int ct__demo_ncatalogue = sizeof(ct__demo_catalogue) / sizeof(ct__demo_catalogue[0]);

/* The labs' own (working) standards; the city's municipal and the districts' ones are generated. */
static const struct {
	const char *id;
	int lab;
	const char *category, *name;
} working[] = {
    {"ZZCITY-VOL-W1", LAB_CITY, "volume", "二等标准金属量器（加油机）"},
    {"ZZPWR-EE-W1", LAB_POWER, "electrical-energy", "单相电能表自动化检定流水线"},
    {"ZZWAT-FLOW-W1", LAB_WATER, "flow", "水表检定装置"},
    {"ZZGAS-FLOW-W1", LAB_GAS, "flow", "钟罩式气体流量标准装置"},
    {"ZZHEAT-HEAT-W1", LAB_HEAT, "heat", "热量表检定装置"},
    {"ZZHOSP-PRES-W1", LAB_HOSPITAL, "pressure", "血压计检定装置"},
    {"ZZHOSP-TEMP-W1", LAB_HOSPITAL, "temperature", "医用体温计检定装置"},
    {"ZZHOSP-IR-W1", LAB_HOSPITAL, "ionizing-radiation", "治疗水平剂量计检定装置"},
    {"ZZENV-AC-W1", LAB_ENV, "acoustics", "声级计检定装置"},
    {"ZZENV-CHEM-W1", LAB_ENV, "chemistry", "烟气分析仪检定装置"},
    {"ZZTRN-LEN-W1", LAB_TRANSPORT, "length", "出租汽车计价器标准装置"},
    {"ZZMINE-CHEM-W1", LAB_MINING, "chemistry", "甲烷检测报警器检定装置"},
    {"ZZLNHG-PRES-W1", LAB_CHEMICAL, "pressure", "精密压力表标准装置"},
    {"ZZLNHG-TEMP-W1", LAB_CHEMICAL, "temperature", "铂电阻温度计标准装置"},
    {"ZZLNHG-FLOW-W1", LAB_CHEMICAL, "flow", "流量计标准装置"},
    {"ZZJC-LEN-W1", LAB_MACHINE, "length", "量块标准装置"},
    {"ZZJC-HARD-W1", LAB_MACHINE, "hardness", "洛氏硬度计检定装置"},
    {"ZZJC-FORCE-W1", LAB_MACHINE, "force", "标准测力仪"},
};

static int category_of(const char *name)
{
	int i;

	for (i = 0; i < ct__demo_ncategories; i++)
		if (strcmp(ct__demo_categories[i].name, name) == 0)
			return i;
	return -1;
}

bool ct__gen_in_scope(int lab, const char *category)
{
	const char *p = ct_demo_labs[lab].scope;
	size_t n = strlen(category);

	while (p && *p) {
		if (strncmp(p, category, n) == 0 && (p[n] == ';' || p[n] == '\0'))
			return true;
		p = strchr(p, ';');
		p = p ? p + 1 : NULL;
	}
	return false;
}

int ct__gen_find_std(const struct gen *g, const char *id)
{
	int i;

	for (i = 0; i < g->nstds; i++)
		if (strcmp(g->stds[i].id, id) == 0)
			return i;
	return -1;
}

/* The standard examination certificates (valid four years): the first, and its renewal. */
int64_t ct__gen_approval_from(const struct gen *g, int n)
{
	return (int64_t)(n == 0 ? g->sd - 15 : g->sd + 1380) * DAY_MS;
}

int64_t ct__gen_approval_until(const struct gen *g, int n)
{
	return ct__gen_approval_from(g, n) + 1460 * DAY_MS;
}

static struct standard *add_std(struct gen *g, int cat, int level, int owner, bool is_public)
{
	struct standard *s = &g->stds[g->nstds++];
	const struct category *c = &ct__demo_categories[cat];

	memset(s, 0, sizeof(*s));
	s->cat = cat;
	s->level = level;
	s->owner = owner;
	s->is_public = is_public;
	s->u.unit = c->unit;
	s->u.v = level == L_MUNICIPAL ? c->u_municipal : c->u_working;
	s->parent = -1;
	return s;
}

/* Yearly: anchors of municipal standards from day start (10:00), calibrations (14:00) by the city. */
static void schedule(struct gen *g, struct standard *s, int32_t first_day, bool anchor)
{
	int32_t day;

	for (day = first_day; day <= g->rd - 1 && s->ncals < STD_CALS; day += 360) {
		struct cal *c = &s->cals[s->ncals++];
		memset(c, 0, sizeof(*c));
		c->at = (int64_t)day * DAY_MS + (anchor ? 10 : 14) * HOUR_MS;
		c->until = (int64_t)(day + 365) * DAY_MS;
		c->lab = anchor ? LAB_BUREAU : LAB_CITY;
		c->std = (int16_t)(anchor ? -1 : s->parent);
		c->tech = (int16_t)(anchor ? -1 : (s - g->stds + s->ncals) % g->npeople[LAB_CITY]);
		c->kind = anchor ? K_ANCHOR : K_CALIBRATION;
		c->as_found = anchor ? AF_NONE : AF_IN;
		c->pass = true;
	}
}

/*
 * The lapse: the certificate of the calibration covering the report date
 * minus 211 days ends that day, and the next calibration comes 30 days
 * later; and the out-of-tolerance: found at the last recalibration, since
 * the day after the one before.
 */
static void imperfect_standards(struct gen *g)
{
	struct standard *lapse = &g->stds[g->gap_std], *oot = &g->stds[g->oot_std];
	int32_t end = g->rd - 211;
	int i;

	for (i = 0; i < lapse->ncals; i++) {
		if (lapse->cals[i].at <= (int64_t)end * DAY_MS &&
		    lapse->cals[i].until > (int64_t)end * DAY_MS) {
			lapse->cals[i].until = (int64_t)end * DAY_MS;
			lapse->ncals = i + 2;
			lapse->cals[i + 1] = lapse->cals[i];
			lapse->cals[i + 1].at = (int64_t)(end + 30) * DAY_MS + 14 * HOUR_MS;
			lapse->cals[i + 1].until = (int64_t)(end + 30 + 365) * DAY_MS;
			break;
		}
	}
	g->gap_from = (int64_t)end * DAY_MS;
	g->gap_to = lapse->cals[lapse->ncals - 1].at;
	oot->cals[oot->ncals - 1].as_found = AF_OUT;
	oot->oot_since = (oot->cals[oot->ncals - 2].at / DAY_MS + 1) * DAY_MS;
	oot->oot_declared = oot->cals[oot->ncals - 1].at + 2 * HOUR_MS;
	g->revoke_from = (int64_t)(g->rd - 150) * DAY_MS;
	g->revoke_to = (int64_t)(g->rd - 90) * DAY_MS;
}

static void name_std(struct standard *s, int n)
{
	const char *const *names = std_names[s->cat];
	int count = 0;

	while (count < 4 && names[count])
		count++;
	if (n < count)
		snprintf(s->name, sizeof(s->name), "%s", names[n]);
	else
		snprintf(s->name, sizeof(s->name), "%s（第%d套）", names[n % count], n / count + 1);
}

int ct__gen_standards(struct gen *g)
{
	const struct category *c;
	struct standard *s;
	int cat, d, n, w, highest[32];
	rng r = rng_for(g->o->seed, 0x57d, 0, 0);

	for (cat = 0; cat < ct__demo_ncategories; cat++) {
		c = &ct__demo_categories[cat];
		for (n = 0; n < c->municipal; n++) {
			s = add_std(g, cat, L_MUNICIPAL, LAB_CITY, true);
			snprintf(s->id, sizeof(s->id), "ZZM-%s-%02d", c->code, n + 1);
			name_std(s, n);
			schedule(g, s, g->sd - 10 + (int32_t)rng_below(&r, 4), true);
			if (n == 0)
				highest[cat] = g->nstds - 1;
		}
	}
	for (d = 0; d < CT_DEMO_DISTRICTS; d++) {
		for (cat = 0; cat < ct__demo_ncategories; cat++) {
			c = &ct__demo_categories[cat];
			int count = c->district ? c->district - (int)rng_below(&r, 2) : 0;
			for (n = 0; n < count; n++) {
				s = add_std(g, cat, L_DISTRICT, LAB_DISTRICT0 + d, true);
				snprintf(s->id, sizeof(s->id), "ZZ%s-%s-%02d", ct_demo_districts[d].code,
					 c->code, n + 1);
				name_std(s, n);
				s->parent = highest[cat];
				schedule(g, s, g->sd - 5 + (int32_t)rng_below(&r, 4), false);
			}
		}
	}
	for (w = 0; w < (int)(sizeof(working) / sizeof(working[0])); w++) {
		s = add_std(g, category_of(working[w].category), L_WORKING, working[w].lab, false);
		snprintf(s->id, sizeof(s->id), "%s", working[w].id);
		snprintf(s->name, sizeof(s->name), "%s", working[w].name);
		s->parent = highest[s->cat];
		schedule(g, s, g->sd - 5 + (int32_t)rng_below(&r, 4), false);
	}
	g->gap_std = ct__gen_find_std(g, "ZZYC-MASS-01");
	g->oot_std = ct__gen_find_std(g, "ZZTEZ-PRES-01");
	g->scope_std = ct__gen_find_std(g, "ZZHOSP-IR-W1");
	imperfect_standards(g);
	return 0;
}

static const char *const surnames[] = {"王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴",
				       "徐", "孙", "胡", "朱", "高", "林", "何", "郭", "马", "罗"};
static const char *const given[] = {"伟", "芳", "娜", "敏", "静", "磊",	  "强",	  "军",	  "洋",	  "勇",
				    "艳", "杰", "涛", "明", "超", "秀英", "建华", "志强", "海燕", "晓东"};

int ct__gen_people(struct gen *g)
{
	int lab, i;

	for (lab = 1; lab < CT_DEMO_LABS; lab++) {
		rng r = rng_for(g->o->seed, 0x9e0, (uint64_t)lab, 0);
		g->npeople[lab] = ct_demo_labs[lab].technicians;
		if (!(g->people[lab] = calloc((size_t)g->npeople[lab], sizeof(struct person))))
			return -1;
		for (i = 0; i < g->npeople[lab]; i++) {
			struct person *p = &g->people[lab][i];
			snprintf(p->id, sizeof(p->id), "ZZRM-%02d%02d", lab, i + 1);
			snprintf(p->name, sizeof(p->name), "%s%s", surnames[rng_below(&r, 20)],
				 given[rng_below(&r, 20)]);
			p->scope = ct_demo_labs[lab].scope;
		}
	}
	/* The hospital's physicist is certified for radiation; the hospital lab is not admitted for it. */
	g->people[LAB_HOSPITAL][0].scope = "pressure;temperature;ionizing-radiation";
	return 0;
}
