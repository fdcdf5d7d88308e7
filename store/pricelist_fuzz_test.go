package store

import (
	"bytes"
	"encoding/csv"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// FuzzParsePriceList checks the price-list parser on any input: it never
// panics, every error names a line within the file, every row it accepts
// keeps the §3 bounds and clean text, and the accepted rows written out
// again parse to the same rows. `make test` runs the seeds; `make fuzz`
// runs it for 60 s.
func FuzzParsePriceList(f *testing.F) {
	head := strings.Join(PriceListColumns, ",")
	row := "business-4g-sim-10gb,Business 4G SIM 10GB,virgin-media-o2-business,vmo2b-mou,mobile-voice-data,SIM,950,0,1000,1|12|24,false,false"
	for _, seed := range []string{
		head + "\n" + row + "\n",
		"\ufeff" + head + ",effective_from,status\r\n" + row + ",2026-04-01,withdrawn\r\n",
		head + ",status\n" + row + ",active\n" + strings.Replace(row, "business-4g", "other", 1) + ",\n",
		head + "\n\"" + strings.Replace(row, ",", "\",\"", -1) + "\"\n",
		head + "\n" + strings.Replace(row, "Business 4G", "'=HYPERLINK(\"\"x\"\")", 1) + "\n",
		head + "\n" + strings.Replace(row, "950", "-950", 1) + "\n",
		head + "\n" + strings.Replace(row, "1|12|24", "12||24", 1) + "\n",
		head + "\n" + row + "\n" + row + "\n",
		head + "\n\"unterminated," + row + "\n",
		"slug,name\n",
		"",
		head + "\n" + strings.Replace(row, "SIM,", "S\x00IM,", 1) + "\n",
		head + "\n" + strings.Replace(row, "Business", "Bus\xffiness", 1) + "\n",
	} {
		f.Add([]byte(seed))
	}
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, body []byte) {
		rows, errs := ParsePriceList(body, now)
		lines := bytes.Count(body, []byte("\n")) + 1
		for _, e := range errs {
			if e.Line < 0 || e.Line > lines+1 || e.Message == "" {
				t.Fatalf("error %+v in a file of %d lines", e, lines)
			}
		}
		today := TodayLondon(now)
		for _, r := range rows {
			switch {
			case !validSlug(r.Slug), r.Name == "", r.Unit == "":
				t.Fatalf("accepted row %+v", r)
			case r.MonthlyPence < 0 || r.MonthlyPence > MaxMonthlyPence || r.OneOffPence < 0 || r.OneOffPence > MaxOneOffPence || r.MouBP < 0 || r.MouBP > 10000:
				t.Fatalf("accepted out-of-bounds prices %+v", r)
			case len(r.Terms) == 0:
				t.Fatalf("accepted no terms %+v", r)
			case !r.EffectiveOn.IsZero() && r.EffectiveOn.Before(today):
				t.Fatalf("accepted a past date %+v", r)
			}
			for _, s := range []string{r.Slug, r.Name, r.Unit, r.SupplierSlug, r.AgreementSlug, r.Category} {
				if !utf8.ValidString(s) || strings.ContainsAny(s, "\x00\r\n\x1b\u202e") {
					t.Fatalf("accepted unclean text %q", s)
				}
			}
			for _, m := range r.Terms {
				if m < 1 || m > MaxTermMonths {
					t.Fatalf("accepted term %d", m)
				}
			}
		}
		if len(errs) > 0 || len(rows) == 0 {
			return
		}
		// Written out again, the rows parse the same.
		var buf bytes.Buffer
		w := csv.NewWriter(&buf)
		w.Write(append(PriceListColumns, ColEffectiveFrom, ColStatus))
		for _, r := range rows {
			on := ""
			if !r.EffectiveOn.IsZero() {
				on = r.EffectiveOn.Format(time.DateOnly)
			}
			w.Write([]string{r.Slug, r.Name, r.SupplierSlug, r.AgreementSlug, r.Category, r.Unit,
				strconv.FormatInt(r.MonthlyPence, 10), strconv.FormatInt(r.OneOffPence, 10), strconv.FormatInt(r.MouBP, 10),
				joinTerms(r.Terms), strconv.FormatBool(r.PovTrial), strconv.FormatBool(r.SdwanTrial), on, statusOf(r.Active)})
		}
		w.Flush()
		again, errs := ParsePriceList(buf.Bytes(), now)
		if len(errs) > 0 {
			t.Fatalf("rows written out again do not parse: %v\n%s", errs, buf.Bytes())
		}
		for i := range again {
			again[i].Line = rows[i].Line
		}
		if !reflect.DeepEqual(rows, again) {
			t.Fatalf("round trip:\n%+v\n%+v", rows, again)
		}
	})
}
