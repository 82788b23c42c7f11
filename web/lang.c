/*
 * The pages' two languages: Chinese (zh-CN), the default, and English.
 * A page's language is ?lang= when given, else the Accept-Language
 * header's preferred of zh and en, else Chinese. Reason codes keep their
 * stable English names (docs/VERDICTS.md) beside a sentence in the page's
 * language; the evaluator's own detail lines are English.
 */
#include <stdlib.h>
#include <string.h>

#include "web_internal.h"

/* The q-value of a tag ("0.8"), 1000 for 1; -1 when malformed. */
static int qvalue(const char *s, size_t n)
{
	int v = 0, scale = 1000;
	size_t i;

	if (n == 0 || (s[0] != '0' && s[0] != '1'))
		return -1;
	v = (s[0] - '0') * 1000;
	if (n == 1)
		return v;
	if (s[1] != '.' || n > 5)
		return -1;
	for (i = 2; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		scale /= 10;
		v += (s[i] - '0') * scale;
	}
	return v > 1000 ? -1 : v;
}

int ct__lang_from_header(const char *h)
{
	int best = CT_WEB_ZH, best_q = 0;
	const char *p = h;

	while (p && *p) {
		const char *end = strchr(p, ','), *semi, *tag;
		size_t len = end ? (size_t)(end - p) : strlen(p), tlen;
		int q = 1000;

		while (len && (*p == ' ' || *p == '\t')) {
			p++;
			len--;
		}
		tag = p;
		semi = memchr(p, ';', len);
		tlen = semi ? (size_t)(semi - p) : len;
		while (tlen && (tag[tlen - 1] == ' ' || tag[tlen - 1] == '\t'))
			tlen--;
		if (semi) {
			const char *qs = semi + 1;
			size_t qn = len - (size_t)(qs - p);
			while (qn && (*qs == ' ' || *qs == '\t')) {
				qs++;
				qn--;
			}
			while (qn && (qs[qn - 1] == ' ' || qs[qn - 1] == '\t'))
				qn--;
			q = qn > 2 && qs[0] == 'q' && qs[1] == '=' ? qvalue(qs + 2, qn - 2) : -1;
		}
		if (q > best_q && tlen >= 2 && (tlen == 2 || tag[2] == '-')) {
			if (!strncasecmp(tag, "zh", 2)) {
				best = CT_WEB_ZH;
				best_q = q;
			} else if (!strncasecmp(tag, "en", 2)) {
				best = CT_WEB_EN;
				best_q = q;
			}
		}
		p = end ? end + 1 : NULL;
	}
	return best;
}

/* {Chinese, English} of each message. */
static const char *const msgs[T__COUNT][2] = {
    [T_SITE] = {"计量溯源账本", "Calibration ledger"},
    [T_SEARCH_TITLE] = {"查询计量器具", "Look up an instrument"},
    [T_SEARCH_HINT] = {"输入器具编号（或计量标准编号），或扫描器具上的二维码。",
		       "Type the instrument's id (or a standard's), or scan the QR code on its label."},
    [T_SEARCH_BUTTON] = {"查询", "Look up"},
    [T_SCAN_BUTTON] = {"扫描二维码", "Scan a QR code"},
    [T_SCAN_STOP] = {"停止扫描", "Stop scanning"},
    [T_SCAN_UNSUPPORTED] = {"此浏览器不支持扫码，请手动输入编号。",
			    "This browser cannot scan codes: type the id instead."},
    [T_NOT_FOUND_ID] = {"账本中没有此编号的器具或标准：",
			"The ledger holds no instrument or standard with the id "},
    [T_MATCHES] = {"以此开头的编号：", "Ids that start so:"},
    [T_INSTRUMENT] = {"计量器具", "Instrument"},
    [T_STANDARD] = {"计量标准", "Standard"},
    [T_VERDICT_VALID] = {"可溯源", "Traceable"},
    [T_VERDICT_SUSPECT] = {"存疑", "Suspect"},
    [T_VERDICT_INVALID] = {"不可溯源", "Not traceable"},
    [T_VERDICT_AT] = {"判定时间", "Judged at"},
    [T_OWNER] = {"使用单位", "Owner"},
    [T_DISTRICT] = {"区（市）", "District"},
    [T_CATEGORY] = {"类别", "Category"},
    [T_CATALOGUE] = {"强检目录项", "Catalogue item"},
    [T_DOMAIN] = {"领域", "Domain"},
    [T_COMPULSORY] = {"强制检定", "Compulsory verification"},
    [T_YES] = {"是", "yes"},
    [T_NO] = {"否", "no"},
    [T_LEVEL] = {"等级", "Level"},
    [T_PUBLIC] = {"社会公用", "Public"},
    [T_REGISTRATION] = {"登记条目", "Registration entry"},
    [T_LATEST_CAL] = {"最近一次检定/校准", "Latest verification or calibration"},
    [T_CERTIFICATE] = {"证书编号", "Certificate"},
    [T_LAB] = {"机构", "Lab"},
    [T_PERFORMED] = {"检定日期", "Performed"},
    [T_VALID_UNTIL] = {"有效期至", "Valid until"},
    [T_VALIDITY] = {"有效期", "Validity"},
    [T_RESULT] = {"结论", "Result"},
    [T_TECHNICIAN] = {"检定员", "Technician"},
    [T_CHAIN] = {"溯源链", "Traceability chain"},
    [T_CHAIN_NOTE] =
	{"从本器具到本市最高计量标准的每一环，以及每一处断裂的原因。",
	 "Every link from this instrument to the city's highest standards, and why any link breaks."},
    [T_REASONS] = {"原因", "Reasons"},
    [T_DOWNLOAD_PROOF] = {"下载证明文件", "Download proof"},
    [T_PROOF_NOTE] =
	{"证明文件包含此判定所依据的全部签名条目，可用 caltrace verify 离线核验。",
	 "The proof holds every signed entry this verdict rests on; caltrace verify checks it offline."},
    [T_JSON] = {"JSON 数据", "JSON"},
    [T_NO_CALIBRATION] = {"尚无检定或校准记录", "No verification or calibration recorded"},
    [T_SHOWN_ABOVE] = {"（其溯源链见上文）", "(its chain is shown above)"},
    [T_TRUNCATED] = {"（更深的环节未显示）", "(deeper links not shown)"},
    [T_ANCHOR] = {"上级溯源", "Anchor"},
    [T_PROVIDER] = {"溯源机构", "Provider"},
    [T_KIND_VERIFICATION] = {"检定", "verification"},
    [T_KIND_CALIBRATION] = {"校准", "calibration"},
    [T_KIND_COMPARISON] = {"比对", "comparison"},
    [T_DASHBOARD] = {"计量监管概览", "Bureau dashboard"},
    [T_DASH_SUB] =
	{"由账本状态计算；持有相同条目的任一节点都会算出相同的数字。",
	 "Computed from the ledger state; any node holding the same entries computes the same numbers."},
    [T_INDICATORS] = {"规划目标", "Against the plan's targets"},
    [T_INDICATOR] = {"指标", "Indicator"},
    [T_CITY] = {"全市", "City"},
    [T_TARGET_2016] = {"2016 年目标", "2016 target"},
    [T_TARGET_2020] = {"2020 年目标", "2020 target"},
    [T_STATUS] = {"状态", "Status"},
    [T_DISTRICTS] = {"各区（市）", "Districts"},
    [T_INSTRUMENTS] = {"器具数", "Instruments"},
    [T_COVERAGE] = {"溯源覆盖率", "Coverage"},
    [T_INSPECTION] = {"受检率", "Inspection rate"},
    [T_SUSPECT] = {"存疑", "Suspect"},
    [T_DISTRICT_STANDARDS] = {"区级公用标准", "District standards"},
    [T_TARGET] = {"目标", "target"},
    [T_MEETS] = {"达标", "meets"},
    [T_BELOW] = {"未达标", "below"},
    [T_NO_DATA] = {"无数据", "no data"},
    [T_TREND] = {"月度趋势", "Monthly trend"},
    [T_TREND_NOTE] = {"每月月末，以及报告日期（最后一点）。",
		      "At the end of each month, and at the date shown (last point)."},
    [T_OOT_TITLE] = {"超差的计量标准及其影响", "Standards out of tolerance and their impact"},
    [T_OOT_NONE] = {"没有计量标准被声明超差。", "No standard has been declared out of tolerance."},
    [T_STANDARD_ID] = {"标准", "Standard"},
    [T_SINCE] = {"超差起始", "Since"},
    [T_IMPACT] = {"受影响", "Relied on it"},
    [T_IMPACT_COUNTS] = {"%zu 个标准，%zu 台器具", "%zu standards, %zu instruments"},
    [T_OVERDUE_TITLE] = {"各机构的超期器具", "Overdue instruments by lab"},
    [T_NEVER] = {"从未检定", "never"},
    [T_FAILED] = {"不合格", "failed"},
    [T_OVERDUE] = {"超期", "overdue"},
    [T_DUE] = {"即将到期", "due"},
    [T_TOTAL] = {"合计", "total"},
    [T_LAB_TITLE] = {"待检清单", "Due list"},
    [T_LAB_SUB] =
	{"由该机构负责、已超期或 %llu 天内到期的器具（负责机构：最近一次检定的机构，否则为登记机构）。",
	 "Instruments this lab is responsible for that are overdue or due within %llu days (the lab "
	 "responsible: the latest calibration's, else the registrant)."},
    [T_STATE] = {"状态", "State"},
    [T_DAYS] = {"天数", "Days"},
    [T_ID] = {"编号", "Id"},
    [T_NONE_DUE] = {"没有超期或即将到期的器具。", "Nothing is overdue or due."},
    [T_PREV] = {"上一页", "Previous"},
    [T_NEXT] = {"下一页", "Next"},
    [T_SHOWING] = {"第 %zu–%zu 项，共 %zu 项", "%zu–%zu of %zu"},
    [T_UNKNOWN_LAB] = {"（未知机构）", "(unknown lab)"},
    [T_DIGEST] = {"状态摘要", "State digest"},
    [T_ERROR] = {"错误", "Error"},
    [T_BACK] = {"返回查询", "Back to the search"},
    [T_LANG_OTHER] = {"English", "中文"},
    [T_STATUS_2020] = {"达到 2020 年目标", "meets the 2020 target"},
    [T_STATUS_2016] = {"达到 2016 年目标", "meets the 2016 target"},
    [T_AT_DATE] = {"日期", "Date"},
    [T_SHOW] = {"显示", "Show"},
    [T_ADMITTED] = {"已获授权", "admitted"},
    [T_NOT_ADMITTED] = {"未获授权", "not admitted"},
    [T_IND_0] = {"市级社会公用计量标准", "municipal public measurement standards"},
    [T_IND_1] = {"区（市）级社会公用计量标准（平均每区）", "district public standards, average per district"},
    [T_IND_2] = {"检定、校准项目（类别）", "calibration/verification items (categories)"},
    [T_IND_3] = {"量传溯源体系覆盖率", "traceability-system coverage"},
    [T_IND_4] = {"强制检定计量器具受检率", "inspection rate of compulsory instruments"},
    [T_IND_5] = {"医疗卫生、环境监测计量器具强制检定率",
		 "compulsory verification of medical and environmental instruments"},
};

const char *ct__t(int lang, enum ct__msg m)
{
	const char *s = (unsigned)m < T__COUNT ? msgs[m][lang == CT_WEB_EN] : NULL;

	return s ? s : "";
}

static const char *const reasons[CT_R__COUNT][2] = {
    [CT_R_EXPIRED] = {"检定/校准已过有效期。", "The calibration had run out."},
    [CT_R_FAILED] = {"检定/校准结论为不合格。", "The calibration's result was fail."},
    [CT_R_NO_CALIBRATION] = {"在判定时间之前没有检定或校准。",
			     "No calibration was performed before the time judged."},
    [CT_R_LAB_NOT_ADMITTED] = {"检定机构当时未获计量行政部门授权。",
			       "The lab held no admission by the bureau then."},
    [CT_R_LAB_REVOKED] = {"检定机构的授权已被撤销。", "The bureau had revoked the lab's admission."},
    [CT_R_LAB_OUT_OF_SCOPE] = {"该类别不在检定机构的授权范围内。",
			       "The category is outside the lab's scope."},
    [CT_R_LAB_TIER] = {"强检器具须由法定或授权机构检定。",
		       "A compulsory instrument must be verified by a legal or authorised lab."},
    [CT_R_VERIFICATION_REQUIRED] = {"强检器具须检定，而非仅校准。",
				    "A compulsory instrument needs a verification, not a calibration."},
    [CT_R_TECHNICIAN_UNQUALIFIED] = {"检定员当时不具备该项目的资格。",
				     "The technician was not certified for it then."},
    [CT_R_STANDARD_NOT_APPROVED] = {"社会公用计量标准未经考核或考核证书已失效。",
				    "The public standard had no valid examination certificate."},
    [CT_R_STANDARD_NOT_TRACEABLE] = {"所用计量标准本身不可溯源（原因见下）。",
				     "The standard it relied on is not traceable itself (see below)."},
    [CT_R_RATIO] = {"计量标准的不确定度与被检对象相比不够小。",
		    "The standard's uncertainty is too large for what it calibrated."},
    [CT_R_INCOMPARABLE] = {"无法比较不确定度（单位或形式不同）。",
			   "The uncertainties could not be compared."},
    [CT_R_GAP] = {"使用时计量标准没有有效的检定或校准。", "The standard had no valid calibration when used."},
    [CT_R_CYCLE] = {"溯源链循环回到自身。", "The chain passes through the same standard again."},
    [CT_R_MISSING_ENTRY] = {"引用的条目不在本节点账本中。", "A cited entry is not in this node's ledger."},
    [CT_R_CONFLICT] = {"同一编号有两份不一致的登记。", "Two registrations of this id disagree."},
    [CT_R_FORKED_AUTHOR] = {"条目作者曾签署相互矛盾的记录。",
			    "The entry's author signed contradicting records."},
    [CT_R_REVOKED_CALIBRATION] = {"所依据的检定/校准已被撤销。", "The calibration relied on was revoked."},
    [CT_R_OUT_OF_TOLERANCE] = {"计量标准在声明超差期间被使用。",
			       "A standard was used while out of tolerance."},
    [CT_R_UNREGISTERED] = {"此编号没有登记。", "This id is not registered."},
    [CT_R_WRONG_LINK] = {"引用了错误的检定条目。", "The record cites the wrong calibration entry."},
    [CT_R_RETIRED] = {"器具已报废停用。", "The instrument was retired."},
};

const char *ct__reason_text(int lang, ct_reason code)
{
	return (unsigned)code < CT_R__COUNT ? reasons[code][lang == CT_WEB_EN] : NULL;
}
