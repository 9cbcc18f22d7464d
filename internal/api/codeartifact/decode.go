package codeartifact

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/artifactd/artifactd/internal/domain"
	"github.com/artifactd/artifactd/internal/store"
)

// field is a model constraint on a string member.
type field struct {
	min, max int
	pattern  string // as the model spells it; anchored when compiled
	re       *regexp.Regexp
	// coordinate adds artifactd's rule for package names, namespaces and
	// versions (domain.ValidCoordinate): no Unicode category C characters.
	coordinate bool
}

func newField(min, max int, pattern string) field {
	f := field{min: min, max: max, pattern: pattern}
	if pattern != "" {
		f.re = regexp.MustCompile(`^(?:` + pattern + `)$`)
	}
	return f
}

// The model's string shapes (codeartifact.md §2).
var (
	fDomain             = newField(2, 50, `[a-z][a-z0-9\-]{0,48}[a-z0-9]`)
	fRepository         = newField(2, 100, `[A-Za-z0-9][A-Za-z0-9._\-]{1,99}`)
	fAccount            = newField(12, 12, `[0-9]{12}`)
	fPackage            = coordinate(newField(1, 255, `[^#/\s]+`))
	fNamespace          = coordinate(newField(1, 255, `[^#/\s]+`))
	fVersion            = coordinate(newField(1, 255, `[^#/\s]+`))
	fRevision           = newField(1, 50, `\S+`)
	fAssetName          = newField(1, 255, `\P{C}+`)
	fSHA256             = newField(64, 64, `[0-9a-f]+`)
	fArn                = newField(1, 1011, `\S+`)
	fDescription        = newField(0, 1000, `\P{C}*`)
	fToken              = newField(1, 2000, `\S+`)
	fTagKey             = newField(1, 128, `\P{C}+`)
	fTagValue           = newField(0, 256, `\P{C}*`)
	fPolicyDoc          = newField(1, 7168, `[\P{C}\s]+`)
	fPolicyRev          = newField(1, 100, `\S+`)
	fExternalConnection = newField(2, 100, `[A-Za-z0-9][A-Za-z0-9._\-:]{1,99}`)
	formats             = enumOf(domain.Formats)
	statuses            = enumOf(domain.Statuses)
	originTypes         = []string{"INTERNAL", "EXTERNAL", "UNKNOWN"}
	allowValues         = []string{"ALLOW", "BLOCK"}
	sortTypes           = []string{"PUBLISHED_TIME"}
	endpointTypes       = []string{"dualstack", "ipv4"}
	maxBodyBytes        = int64(1 << 20)
	defaultPageMax      = 1000
)

func coordinate(f field) field {
	f.coordinate = true
	return f
}

func enumOf[T ~string](vs []T) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = string(v)
	}
	return out
}

// binder reads and validates one request's members, collecting every
// violation so the client sees them all at once, as AWS reports them.
type binder struct {
	r    *http.Request
	q    url.Values
	errs []string
	// unparsable is why the body could not be read as JSON ("" when it
	// could): ValidationException with reason CANNOT_PARSE, not a field
	// violation.
	unparsable string
}

func newBinder(r *http.Request) *binder { return &binder{r: r, q: r.URL.Query()} }

func (b *binder) fail(value, member, constraint string) {
	b.errs = append(b.errs, fmt.Sprintf("Value '%s' at '%s' failed to satisfy constraint: %s", value, member, constraint))
}

// check validates a string member against its shape.
func (b *binder) check(member, v string, f field) {
	n := utf8.RuneCountInString(v)
	switch {
	case !utf8.ValidString(v):
		b.fail(strings.ToValidUTF8(v, "\uFFFD"), member, "Member must be valid UTF-8")
	case n < f.min || n > f.max:
		b.fail(v, member, fmt.Sprintf("Member must have length between %d and %d", f.min, f.max))
	case f.re != nil && !f.re.MatchString(v):
		b.fail(v, member, "Member must satisfy regular expression pattern: "+f.pattern)
	case f.coordinate && !domain.ValidCoordinate(v):
		b.fail(strconv.QuoteToASCII(v), member, "Member must not contain control, format or private-use characters (Unicode category C)")
	}
}

// query returns an optional query member, validated when present.
func (b *binder) query(name, member string, f field) string {
	v, ok := b.q[name]
	if !ok {
		return ""
	}
	b.check(member, v[0], f)
	return v[0]
}

// required returns a required query member.
func (b *binder) required(name, member string, f field) string {
	if _, ok := b.q[name]; !ok {
		b.fail("null", member, "Member must not be null")
		return ""
	}
	return b.query(name, member, f)
}

// enum returns an optional query member restricted to values.
func (b *binder) enum(name, member string, values []string, required bool) string {
	v, ok := b.q[name]
	if !ok {
		if required {
			b.fail("null", member, "Member must not be null")
		}
		return ""
	}
	b.checkEnum(member, v[0], values)
	return v[0]
}

func (b *binder) checkEnum(member, v string, values []string) {
	if !slices.Contains(values, v) {
		b.fail(v, member, "Member must satisfy enum value set: ["+strings.Join(values, ", ")+"]")
	}
}

// boolean returns an optional boolean query member.
func (b *binder) boolean(name, member string) bool {
	v, ok := b.q[name]
	if !ok {
		return false
	}
	x, err := strconv.ParseBool(v[0])
	if err != nil {
		b.fail(v[0], member, "Member must be a boolean")
	}
	return x
}

// integer returns an optional integer query member within [min, max].
func (b *binder) integer(name, member string, min, max int64) (int64, bool) {
	v, ok := b.q[name]
	if !ok {
		return 0, false
	}
	return b.checkInt(member, v[0], min, max), true
}

func (b *binder) checkInt(member, v string, min, max int64) int64 {
	x, err := strconv.ParseInt(v, 10, 64)
	switch {
	case err != nil:
		b.fail(v, member, "Member must be a number")
	case x < min:
		b.fail(v, member, fmt.Sprintf("Member must have value greater than or equal to %d", min))
	case x > max:
		b.fail(v, member, fmt.Sprintf("Member must have value less than or equal to %d", max))
	}
	return x
}

// page binds max-results/next-token from the query.
func (b *binder) page(defaultSize int) store.Page {
	p := store.Page{Limit: defaultSize, After: b.query("next-token", "nextToken", fToken)}
	if n, ok := b.integer("max-results", "maxResults", 1, int64(defaultPageMax)); ok {
		p.Limit = int(n)
	}
	return p
}

// body decodes the JSON body into v; an empty body leaves v as it is.
func (b *binder) body(v any) {
	data, err := io.ReadAll(io.LimitReader(b.r.Body, maxBodyBytes+1))
	if err != nil || int64(len(data)) > maxBodyBytes {
		b.unparsable = "The request body is unreadable or larger than 1 MiB"
		return
	}
	if len(strings.TrimSpace(string(data))) == 0 {
		return
	}
	if err := json.Unmarshal(data, v); err != nil {
		b.unparsable = "Could not parse the request body as JSON: " + err.Error()
	}
}

// bodyString validates a string member of the body; nil is "" (absent),
// or a violation when required.
func (b *binder) bodyString(member string, v *string, f field, required bool) string {
	if v == nil {
		if required {
			b.fail("null", member, "Member must not be null")
		}
		return ""
	}
	b.check(member, *v, f)
	return *v
}

// err returns the collected violations as one ValidationException.
func (b *binder) err() error {
	if b.unparsable != "" {
		return &apiError{code: "ValidationException", status: http.StatusBadRequest, message: b.unparsable, reason: "CANNOT_PARSE"}
	}
	switch len(b.errs) {
	case 0:
		return nil
	case 1:
		return domain.Invalid("1 validation error detected: %s", b.errs[0])
	default:
		return domain.Invalid("%d validation errors detected: %s", len(b.errs), strings.Join(b.errs, "; "))
	}
}
