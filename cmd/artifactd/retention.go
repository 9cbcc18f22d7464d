package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"

	"github.com/artifactd/artifactd/internal/api/codeartifact"
	"github.com/artifactd/artifactd/internal/domain"
	"github.com/artifactd/artifactd/internal/service"
)

const retentionUsage = `usage: artifactd retention put|list|delete|plan|apply --domain D --repository R [flags]

  put     store a rule: --keep-newest N, --keep-days D and/or --downloaded-within-days D,
          --action Archive|Dispose|Delete; optional --exempt-status S[,S], and either
          --format, --namespace, --package-prefix or --package-group PATTERN
  list    list the repository's rules
  delete  --id ID: delete a rule
  plan    --id ID [--out FILE]: the dry run; lists what the rule would change (and saves the plan)
  apply   --plan-file FILE: apply exactly a saved plan; or --id ID: plan again and apply that

Calls the server with the AWS credentials of the environment or profile (as the AWS CLI does);
only the domain owner's account, allowed codeartifact:DeletePackageVersions on the repository,
manages its rules.
`

type retentionFlags struct {
	domain, owner, repository, endpointURL, region string
	format, namespace, prefix, action, exempt      string
	group                                          string
	keepNewest, keepDays, downloadedWithinDays     int
	id                                             int64
	out, planFile                                  string
}

// retentionCommand runs `artifactd retention SUBCOMMAND`.
func retentionCommand(args []string) int {
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		fmt.Fprint(os.Stderr, retentionUsage)
		return 2
	}
	sub := args[0]
	var f retentionFlags
	fs := flag.NewFlagSet("retention "+sub, flag.ContinueOnError)
	fs.StringVar(&f.domain, "domain", "", "the domain of the repository")
	fs.StringVar(&f.owner, "domain-owner", "", "the account that owns the domain (default: the caller's)")
	fs.StringVar(&f.repository, "repository", "", "the repository")
	fs.StringVar(&f.endpointURL, "endpoint-url", "", "artifactd's URL (default: AWS_ENDPOINT_URL_CODEARTIFACT or AWS_ENDPOINT_URL)")
	fs.StringVar(&f.region, "region", "", "the region (default: AWS_REGION or the profile's)")
	switch sub {
	case "put":
		fs.StringVar(&f.format, "format", "", "only packages of this format")
		fs.StringVar(&f.namespace, "namespace", "", "only packages of this namespace (exact)")
		fs.StringVar(&f.prefix, "package-prefix", "", "only packages whose name starts with this")
		fs.IntVar(&f.keepNewest, "keep-newest", 0, "keep the newest N versions of each package (format version order)")
		fs.IntVar(&f.keepDays, "keep-days", 0, "keep versions published in the last D days")
		fs.IntVar(&f.downloadedWithinDays, "downloaded-within-days", 0, "keep versions downloaded in the last D days (a version never downloaded counts from its publish time)")
		fs.StringVar(&f.group, "package-group", "", "only the packages associated with this package group (its pattern, e.g. /npm/acme/*), instead of --format, --namespace, --package-prefix")
		fs.StringVar(&f.exempt, "exempt-status", "", "comma-separated statuses never acted on (Published, Unlisted, Archived, Disposed)")
		fs.StringVar(&f.action, "action", "", "what to do with the others: Archive, Dispose or Delete")
	case "list":
	case "delete", "plan", "apply":
		fs.Int64Var(&f.id, "id", 0, "the rule's id (see list)")
		if sub == "plan" {
			fs.StringVar(&f.out, "out", "", "also save the plan (JSON) to this file, for apply --plan-file")
		}
		if sub == "apply" {
			fs.StringVar(&f.planFile, "plan-file", "", "apply exactly this saved plan (from plan --out)")
		}
	default:
		fmt.Fprint(os.Stderr, retentionUsage)
		return 2
	}
	if err := fs.Parse(args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	switch {
	case f.planFile == "" && (f.domain == "" || f.repository == ""):
		fmt.Fprintln(os.Stderr, "artifactd retention: --domain and --repository are required")
		return 2
	case (sub == "delete" || sub == "plan" || (sub == "apply" && f.planFile == "")) && f.id <= 0:
		fmt.Fprintln(os.Stderr, "artifactd retention "+sub+": --id is required")
		return 2
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
	defer cancel()
	cl, err := newAdminClient(ctx, f.endpointURL, f.region)
	if err == nil {
		err = retention(ctx, cl, sub, f, os.Stdout)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "artifactd retention "+sub+":", err)
		return 1
	}
	return 0
}

func retention(ctx context.Context, cl *adminClient, sub string, f retentionFlags, w io.Writer) error {
	q := url.Values{"domain": {f.domain}, "repository": {f.repository}}
	if f.owner != "" {
		q.Set("domain-owner", f.owner)
	}
	const base = "/artifactd/v1/retention-rules"
	idPath := base + "/" + strconv.FormatInt(f.id, 10)
	switch sub {
	case "put":
		in := codeartifact.RetentionRuleJSON{Domain: f.domain, DomainOwner: f.owner, Repository: f.repository,
			Format: domain.Format(f.format), Namespace: f.namespace, PackagePrefix: f.prefix, PackageGroup: f.group,
			KeepNewest: f.keepNewest, KeepDays: f.keepDays, DownloadedWithinDays: f.downloadedWithinDays,
			Action: domain.RetentionAction(f.action)}
		for _, st := range strings.Split(f.exempt, ",") {
			if st = strings.TrimSpace(st); st != "" {
				in.ExemptStatuses = append(in.ExemptStatuses, domain.Status(st))
			}
		}
		var out codeartifact.RetentionRuleJSON
		if err := cl.do(ctx, "POST", base, nil, in, &out); err != nil {
			return err
		}
		fmt.Fprintf(w, "rule %d: %s\n", out.ID, describeRule(out))
	case "list":
		var out struct {
			Rules []codeartifact.RetentionRuleJSON
		}
		if err := cl.do(ctx, "GET", base, q, nil, &out); err != nil {
			return err
		}
		for _, r := range out.Rules {
			fmt.Fprintf(w, "rule %d: %s\n", r.ID, describeRule(r))
		}
		if len(out.Rules) == 0 {
			fmt.Fprintln(w, "no retention rules")
		}
	case "delete":
		if err := cl.do(ctx, "DELETE", idPath, q, nil, nil); err != nil {
			return err
		}
		fmt.Fprintf(w, "deleted rule %d\n", f.id)
	case "plan":
		plan, err := planRule(ctx, cl, idPath, q)
		if err != nil {
			return err
		}
		printPlan(w, plan)
		if f.out != "" {
			data, _ := json.MarshalIndent(plan, "", "  ")
			if err := os.WriteFile(f.out, append(data, '\n'), 0o644); err != nil {
				return err
			}
			fmt.Fprintf(w, "plan saved to %s (apply it with: artifactd retention apply --plan-file %s)\n", f.out, f.out)
		}
	case "apply":
		var plan service.RetentionPlan
		if f.planFile != "" {
			data, err := os.ReadFile(f.planFile)
			if err != nil {
				return err
			}
			if err := json.Unmarshal(data, &plan); err != nil {
				return fmt.Errorf("%s: %w", f.planFile, err)
			}
		} else {
			var err error
			if plan, err = planRule(ctx, cl, idPath, q); err != nil {
				return err
			}
			printPlan(w, plan)
		}
		var res codeartifact.RetentionApplyJSON
		if err := cl.do(ctx, "POST", base+"/apply", nil, plan, &res); err != nil {
			return err
		}
		fmt.Fprintf(w, "applied: %d versions (%s), skipped: %d\n", res.Applied, plan.Action, len(res.Skipped))
		for _, k := range slices.Sorted(maps.Keys(res.Skipped)) {
			fmt.Fprintf(w, "  skipped %s: %s\n", k, res.Skipped[k])
		}
	}
	return nil
}

func planRule(ctx context.Context, cl *adminClient, idPath string, q url.Values) (service.RetentionPlan, error) {
	var plan service.RetentionPlan
	err := cl.do(ctx, "POST", idPath+"/plan", q, nil, &plan)
	return plan, err
}

func describeRule(r codeartifact.RetentionRuleJSON) string {
	var keep []string
	if r.KeepNewest > 0 {
		keep = append(keep, fmt.Sprintf("the newest %d", r.KeepNewest))
	}
	if r.KeepDays > 0 {
		keep = append(keep, fmt.Sprintf("those published in the last %d days", r.KeepDays))
	}
	if r.DownloadedWithinDays > 0 {
		keep = append(keep, fmt.Sprintf("those downloaded in the last %d days", r.DownloadedWithinDays))
	}
	s := fmt.Sprintf("%s/%s: keep %s; %s the rest", r.Domain, r.Repository, strings.Join(keep, " and "), strings.ToLower(string(r.Action)))
	var only []string
	if r.Format != "" {
		only = append(only, "format "+string(r.Format))
	}
	if r.Namespace != "" {
		only = append(only, "namespace "+r.Namespace)
	}
	if r.PackagePrefix != "" {
		only = append(only, "packages "+r.PackagePrefix+"*")
	}
	if r.PackageGroup != "" {
		only = append(only, "package group "+r.PackageGroup)
	}
	if len(only) > 0 {
		s += " (only " + strings.Join(only, ", ") + ")"
	}
	if len(r.ExemptStatuses) > 0 {
		var st []string
		for _, x := range r.ExemptStatuses {
			st = append(st, string(x))
		}
		s += "; exempt: " + strings.Join(st, ", ")
	}
	return s
}

// printPlan prints one line per version: ACTION FORMAT PACKAGE VERSION (STATUS, WHY).
func printPlan(w io.Writer, plan service.RetentionPlan) {
	for _, pk := range plan.Packages {
		name := pk.Package
		if pk.Namespace != "" {
			name = pk.Namespace + "/" + pk.Package
		}
		for _, v := range pk.Versions {
			fmt.Fprintf(w, "%s %s %s %s (%s; %s)\n", strings.ToLower(string(plan.Action)), pk.Format, name, v.Version, v.Status, v.Why)
		}
	}
	fmt.Fprintf(w, "rule %d would %s %d versions\n", plan.RuleID, strings.ToLower(string(plan.Action)), plan.Count())
}

// adminClient makes JSON requests to artifactd's admin API, signed with
// SigV4 (service codeartifact) as the caller's AWS credentials.
type adminClient struct {
	endpoint string
	cfg      aws.Config
	signer   *v4.Signer
	http     *http.Client
}

func newAdminClient(ctx context.Context, endpointURL, region string) (*adminClient, error) {
	var opts []func(*awsconfig.LoadOptions) error
	if region != "" {
		opts = append(opts, awsconfig.WithRegion(region))
	}
	cfg, err := awsconfig.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return nil, err
	}
	if cfg.Region == "" {
		cfg.Region = "us-east-1"
	}
	for _, v := range []string{endpointURL, os.Getenv("AWS_ENDPOINT_URL_CODEARTIFACT"), os.Getenv("AWS_ENDPOINT_URL"), aws.ToString(cfg.BaseEndpoint)} {
		if v != "" {
			endpointURL = v
			break
		}
	}
	if endpointURL == "" {
		return nil, errors.New("no endpoint: give --endpoint-url or set AWS_ENDPOINT_URL_CODEARTIFACT")
	}
	return &adminClient{endpoint: strings.TrimSuffix(endpointURL, "/"), cfg: cfg, signer: v4.NewSigner(),
		http: &http.Client{Timeout: 30 * time.Minute}}, nil
}

func (c *adminClient) do(ctx context.Context, method, path string, q url.Values, in, out any) error {
	var body []byte
	if in != nil {
		var err error
		if body, err = json.Marshal(in); err != nil {
			return err
		}
	}
	u := c.endpoint + path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, method, u, bytes.NewReader(body))
	if err != nil {
		return err
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	creds, err := c.cfg.Credentials.Retrieve(ctx)
	if err != nil {
		return fmt.Errorf("AWS credentials: %w", err)
	}
	sum := sha256.Sum256(body)
	if err := c.signer.SignHTTP(ctx, creds, req, hex.EncodeToString(sum[:]), "codeartifact", c.cfg.Region, time.Now()); err != nil {
		return err
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 1<<30))
	if err != nil {
		return err
	}
	if resp.StatusCode/100 != 2 {
		var e struct {
			Message string `json:"message"`
		}
		json.Unmarshal(data, &e)
		if e.Message == "" {
			e.Message = strings.TrimSpace(string(data))
		}
		return fmt.Errorf("%s (HTTP %d)", e.Message, resp.StatusCode)
	}
	if out == nil {
		return nil
	}
	return json.Unmarshal(data, out)
}
