/* caltrace label: printable QR label sheets for instruments (web/label.c). */
#include <stdlib.h>
#include <string.h>

#include "caltrace/web/label.h"
#include "cli.h"

static void help(void)
{
	printf("usage: caltrace label ID... --base-url URL -o FILE [--format svg|pdf] [--at DATE]\n"
	       "       caltrace label --lab KEY --due-within DAYS --base-url URL -o FILE [...]\n\n"
	       "Writes A4 sheets of labels (3 x 8, 70 x 37 mm) for instruments: each label a QR code\n"
	       "that opens the instrument's page on `caltrace serve` (URL/i/ID), the id, the\n"
	       "validity of its latest verification or calibration, the certificate number and the\n"
	       "lab, as the ledger has them at DATE (default now). With --lab: the instruments that\n"
	       "lab is responsible for that are overdue or due within DAYS (its work list).\n\n"
	       "  --base-url URL      the address caltrace serve is reached by (http:// or https://)\n"
	       "  -o, --output FILE   the sheet file\n"
	       "  --format F          svg or pdf (default: pdf when FILE ends in .pdf, else svg);\n"
	       "                      the PDF prints captions in English only\n"
	       "  --at DATE           YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ\n"
	       "  --lab KEY           a lab (64 hex digits), with --due-within DAYS\n");
}

struct label_opts {
	const char *base, *path, *lab_hex;
	uint8_t lab[CT_KEY_BYTES];
	uint64_t at, within;
	bool has_within;
	ct_label_format format;
};

static int parse(int argc, char **argv, struct label_opts *o)
{
	static const struct option longopts[] = {
	    {"base-url", required_argument, NULL, 'b'}, {"output", required_argument, NULL, 'o'},
	    {"format", required_argument, NULL, 'f'},	{"at", required_argument, NULL, 'a'},
	    {"lab", required_argument, NULL, 'l'},	{"due-within", required_argument, NULL, 'w'},
	    {"help", no_argument, NULL, 'h'},		{NULL, 0, NULL, 0}};
	char *end;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "ho:", longopts, NULL)) != -1) {
		switch (c) {
		case 'b':
			o->base = optarg;
			break;
		case 'o':
			o->path = optarg;
			break;
		case 'f':
			if (!strcmp(optarg, "svg"))
				o->format = CT_LABEL_SVG;
			else if (!strcmp(optarg, "pdf"))
				o->format = CT_LABEL_PDF;
			else
				return cli_usage_error("label", "--format expects svg or pdf, not '%s'",
						       optarg);
			break;
		case 'a':
			if (cli_parse_time("label", "--at", optarg, &o->at) < 0)
				return EXIT_ERR;
			break;
		case 'l':
			if (cli_parse_hex32("label", "--lab", optarg, o->lab) < 0)
				return EXIT_ERR;
			o->lab_hex = optarg;
			break;
		case 'w':
			o->within = strtoull(optarg, &end, 10);
			if (!*optarg || *end || *optarg == '-' || o->within > 3650)
				return cli_usage_error(
				    "label", "--due-within expects days from 0 to 3650, not '%s'", optarg);
			o->has_within = true;
			break;
		case 'h':
			help();
			return -1;
		default:
			return cli_usage_error("label", "bad usage");
		}
	}
	if (!o->base)
		return cli_usage_error("label", "needs --base-url, the address caltrace serve is reached by");
	if (!o->path)
		return cli_usage_error("label", "needs -o FILE");
	if (o->lab_hex ? optind != argc || !o->has_within : optind == argc || o->has_within)
		return cli_usage_error("label",
				       "expects instrument IDs, or --lab KEY with --due-within DAYS");
	if (!o->format) {
		size_t n = strlen(o->path);
		o->format = n > 4 && !strcasecmp(o->path + n - 4, ".pdf") ? CT_LABEL_PDF : CT_LABEL_SVG;
	}
	return 0;
}

int cmd_label(int argc, char **argv)
{
	struct label_opts o;
	ct_labels *labels = NULL;
	ct_reader *r = NULL;
	ct_buf out = CT_BUF_INIT;
	FILE *f = NULL;
	cli_node n;
	int err, rc;

	memset(&o, 0, sizeof(o));
	o.at = cli_now_ms();
	if ((rc = parse(argc, argv, &o)) != 0)
		return rc < 0 ? EXIT_OK : rc;
	if (cli_open(&n, CLI_READONLY) != 0)
		return EXIT_ERR;
	rc = EXIT_ERR;
	if ((err = ct_reader_begin(&r, n.ledger)) < 0) {
		cli_fail("label", err, "cannot read the store");
		goto done;
	}
	err = o.lab_hex ? ct_labels_for_lab(&labels, r, o.lab, o.within, o.at, o.base)
			: ct_labels_for_ids(&labels, r, (const char *const *)argv + optind,
					    (size_t)(argc - optind), o.at, o.base);
	if (err < 0) {
		cli_fail("label", err, "cannot make the labels");
		goto done;
	}
	if (!labels->n) {
		fprintf(stderr,
			"caltrace label: nothing of lab %.8s… is overdue or due within %llu days; no sheet "
			"written\n",
			o.lab_hex, (unsigned long long)o.within);
		rc = EXIT_NO;
		goto done;
	}
	if ((err = ct_labels_write(&out, labels, o.format)) < 0) {
		cli_fail("label", err, "cannot lay out the labels");
		goto done;
	}
	if (!(f = fopen(o.path, "wb"))) {
		fprintf(stderr, "caltrace label: cannot write %s\n", o.path);
		goto done;
	}
	err = fwrite(out.ptr, 1, out.len, f) != out.len;
	err |= fclose(f) != 0;
	f = NULL;
	if (err) {
		fprintf(stderr, "caltrace label: cannot write %s\n", o.path);
		goto done;
	}
	fprintf(stderr, "%s: %zu label%s on %zu sheet%s (%s)\n", o.path, labels->n, labels->n == 1 ? "" : "s",
		(labels->n + 23) / 24, labels->n > 24 ? "s" : "", o.format == CT_LABEL_PDF ? "PDF" : "SVG");
	rc = EXIT_OK;
done:
	if (f)
		fclose(f);
	ct_buf_free(&out);
	ct_labels_free(labels);
	ct_reader_end(r);
	cli_close(&n);
	return rc;
}
