package iampolicy

import (
	"strings"
	"testing"
)

// The cases below are written from AWS's published policy evaluation logic
// (IAM User Guide: "Policy evaluation logic", "Policy evaluation for
// requests within a single account", "Cross-account policy evaluation
// logic", "IAM JSON policy elements: NotAction / NotResource / Principal /
// Condition operators", "Conditions with multiple context keys or values",
// "Single-valued vs. multivalued context keys", "IAM policy elements:
// Variables and tags").

const (
	acctA = "111122223333" // owns the domain "corp"
	acctB = "444455556666" // another account

	repoProd   = "arn:aws:codeartifact:us-east-1:111122223333:repository/corp/prod"
	repoDev    = "arn:aws:codeartifact:us-east-1:111122223333:repository/corp/dev"
	pkgChalk   = "arn:aws:codeartifact:us-east-1:111122223333:package/corp/prod/npm//chalk"
	domainCorp = "arn:aws:codeartifact:us-east-1:111122223333:domain/corp"

	read    = "codeartifact:ReadFromRepository"
	publish = "codeartifact:PublishPackageVersion"
)

var (
	alice = Principal{Account: acctA, ARN: "arn:aws:iam::111122223333:user/alice", Username: "alice", UserID: "AIDAALICEALICEALICE1"}
	carol = Principal{Account: acctA, ARN: "arn:aws:iam::111122223333:user/dev/carol", Username: "carol", UserID: "AIDACAROLCAROLCAROL1"}
	ci    = Principal{Account: acctA, ARN: "arn:aws:sts::111122223333:assumed-role/ci/build-42",
		RoleARN: "arn:aws:iam::111122223333:role/ci", UserID: "AROACICICICICICICICI:build-42"}
	admin = Principal{Account: acctA, ARN: "arn:aws:sts::111122223333:assumed-role/admin/jo",
		RoleARN: "arn:aws:iam::111122223333:role/admin", UserID: "AROAADMINADMINADMIN1:jo"}
	rootA = Principal{Account: acctA, ARN: "arn:aws:iam::111122223333:root", UserID: acctA, Root: true}
	bob   = Principal{Account: acctB, ARN: "arn:aws:iam::444455556666:user/bob", Username: "bob", UserID: "AIDABOBBOBBOBBOBBOB1"}
	rootB = Principal{Account: acctB, ARN: "arn:aws:iam::444455556666:root", UserID: acctB, Root: true}
)

// pol makes a 2012-10-17 policy of the given statements.
func pol(statements ...string) string {
	return `{"Version": "2012-10-17", "Statement": [` + strings.Join(statements, ",") + `]}`
}

// allowIf is an identity policy allowing codeartifact:* on everything under
// the given Condition block.
func allowIf(cond string) string {
	return pol(`{"Sid": "Cond", "Effect": "Allow", "Action": "codeartifact:*", "Resource": "*", "Condition": ` + cond + `}`)
}

var allowAll = pol(`{"Sid": "All", "Effect": "Allow", "Action": "codeartifact:*", "Resource": "*"}`)

type evalCase struct {
	name      string
	principal Principal
	action    string // read when empty
	resource  string // repoProd when empty
	ctx       map[string][]string
	identity  []string
	resPolicy string
	resAcct   string // acctA when empty
	want      Effect
	wantBy    Source // checked when not SourceNone
	wantSid   string // checked when not ""
	reason    string // substring of Reason, checked when not ""
}

func runEvalCases(t *testing.T, cases []evalCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req := Request{Principal: tc.principal, Action: tc.action, Resource: tc.resource, Context: tc.ctx}
			if req.Action == "" {
				req.Action = read
			}
			if req.Resource == "" {
				req.Resource = repoProd
			}
			var ids []*Policy
			for _, doc := range tc.identity {
				p, err := Parse(doc)
				if err != nil {
					t.Fatalf("Parse identity policy: %v\n%s", err, doc)
				}
				if err := p.Validate(IdentityPolicy); err != nil {
					t.Fatalf("identity policy: %v", err)
				}
				ids = append(ids, p)
			}
			var res *Policy
			if tc.resPolicy != "" {
				var err error
				if res, err = Parse(tc.resPolicy); err != nil {
					t.Fatalf("Parse resource policy: %v\n%s", err, tc.resPolicy)
				}
				if err := res.Validate(ResourcePolicy); err != nil {
					t.Fatalf("resource policy: %v", err)
				}
			}
			acct := tc.resAcct
			if acct == "" {
				acct = acctA
			}
			d := Evaluate(req, ids, res, acct)
			if d.Effect != tc.want {
				t.Fatalf("Effect = %v (by %+v), want %v", d.Effect, d.By, tc.want)
			}
			if tc.wantBy != SourceNone && d.By.Source != tc.wantBy {
				t.Errorf("By = %+v, want source %v", d.By, tc.wantBy)
			}
			if tc.wantSid != "" && d.By.Sid != tc.wantSid {
				t.Errorf("By.Sid = %q, want %q", d.By.Sid, tc.wantSid)
			}
			if tc.reason != "" && !strings.Contains(d.Reason(req.Action), tc.reason) {
				t.Errorf("Reason = %q, want it to contain %q", d.Reason(req.Action), tc.reason)
			}
			if d.Allowed() != (tc.want == Allow) || (d.Reason(req.Action) == "") != (tc.want == Allow) {
				t.Errorf("Allowed/Reason inconsistent: %+v %q", d, d.Reason(req.Action))
			}
		})
	}
}

func TestEvaluateCore(t *testing.T) {
	runEvalCases(t, []evalCase{
		// "By default, all requests are implicitly denied."
		{name: "no policy: implicit deny", principal: alice, want: ImplicitDeny, reason: "because no identity-based policy allows the codeartifact:ReadFromRepository action"},
		{name: "identity allow", principal: alice, identity: []string{allowAll}, want: Allow, wantBy: SourceIdentity, wantSid: "All"},
		{name: "identity allow of another action only", principal: alice, action: publish,
			identity: []string{pol(`{"Effect": "Allow", "Action": "codeartifact:ReadFromRepository", "Resource": "*"}`)}, want: ImplicitDeny},
		{name: "Deny statement alone is no allow", principal: alice,
			identity: []string{pol(`{"Effect": "Deny", "Action": "codeartifact:Delete*", "Resource": "*"}`)}, want: ImplicitDeny},

		// "An explicit deny in any policy overrides any allows."
		{name: "explicit deny in the same identity policy", principal: alice, action: publish,
			identity: []string{pol(`{"Sid": "A", "Effect": "Allow", "Action": "*", "Resource": "*"}`, `{"Sid": "NoPublish", "Effect": "Deny", "Action": "codeartifact:PublishPackageVersion", "Resource": "*"}`)},
			want:     ExplicitDeny, wantBy: SourceIdentity, wantSid: "NoPublish", reason: "with an explicit deny in an identity-based policy"},
		{name: "explicit deny in a second identity policy", principal: alice, action: publish,
			identity: []string{allowAll, pol(`{"Sid": "D", "Effect": "Deny", "Action": "codeartifact:Publish*", "Resource": "*"}`)},
			want:     ExplicitDeny, wantSid: "D"},
		{name: "explicit deny in the resource policy beats identity allow", principal: alice, action: publish,
			identity:  []string{allowAll},
			resPolicy: pol(`{"Sid": "ProtectProd", "Effect": "Deny", "Principal": "*", "Action": "codeartifact:PublishPackageVersion", "Resource": "*"}`),
			want:      ExplicitDeny, wantBy: SourceResource, wantSid: "ProtectProd", reason: "with an explicit deny in a resource-based policy"},
		{name: "explicit deny in identity beats resource allow", principal: alice,
			identity:  []string{pol(`{"Sid": "D", "Effect": "Deny", "Action": "*", "Resource": "*"}`)},
			resPolicy: pol(`{"Effect": "Allow", "Principal": {"AWS": "111122223333"}, "Action": "*", "Resource": "*"}`),
			want:      ExplicitDeny, wantBy: SourceIdentity},
		{name: "resource deny for another principal does not apply", principal: alice, action: publish,
			identity:  []string{allowAll},
			resPolicy: pol(`{"Effect": "Deny", "Principal": {"AWS": "arn:aws:iam::111122223333:user/carol"}, "Action": "*", "Resource": "*"}`),
			want:      Allow},
		{name: "deny on another resource does not apply", principal: alice, resource: repoDev,
			identity: []string{allowAll, pol(`{"Effect": "Deny", "Action": "*", "Resource": "` + repoProd + `"}`)}, want: Allow},

		// Root: every permission in its own account; a resource policy's
		// explicit deny still binds it.
		{name: "root, no policy", principal: rootA, want: Allow, wantBy: SourceRoot},
		{name: "root, resource deny", principal: rootA, action: publish,
			resPolicy: pol(`{"Effect": "Deny", "Principal": "*", "Action": "codeartifact:PublishPackageVersion", "Resource": "*"}`), want: ExplicitDeny},
		{name: "root of another account without resource policy", principal: rootB, want: ImplicitDeny, reason: "no resource-based policy allows"},
		{name: "root of another account granted by the resource policy", principal: rootB,
			resPolicy: pol(`{"Sid": "B", "Effect": "Allow", "Principal": {"AWS": "444455556666"}, "Action": "codeartifact:ReadFromRepository", "Resource": "*"}`),
			want:      Allow, wantBy: SourceResource, wantSid: "B"},
	})
}

func TestEvaluateWildcards(t *testing.T) {
	allowAction := func(a string) []string {
		return []string{pol(`{"Effect": "Allow", "Action": "` + a + `", "Resource": "*"}`)}
	}
	allowResource := func(r string) []string {
		return []string{pol(`{"Effect": "Allow", "Action": "*", "Resource": "` + r + `"}`)}
	}
	runEvalCases(t, []evalCase{
		{name: "action *", principal: alice, identity: allowAction("*"), want: Allow},
		{name: "action codeartifact:*", principal: alice, identity: allowAction("codeartifact:*"), want: Allow},
		{name: "action of another service", principal: alice, identity: allowAction("s3:*"), want: ImplicitDeny},
		{name: "action prefix", principal: alice, action: "codeartifact:DescribeRepository", identity: allowAction("codeartifact:Describe*"), want: Allow},
		{name: "action prefix, other action", principal: alice, action: "codeartifact:ListPackages", identity: allowAction("codeartifact:Describe*"), want: ImplicitDeny},
		{name: "actions are case-insensitive", principal: alice, action: "codeartifact:DescribeRepository", identity: allowAction("CodeArtifact:describe*"), want: Allow},
		{name: "action ? wildcard", principal: alice, action: "codeartifact:GetAuthorizationToken", identity: allowAction("codeartifact:Get?uthorizationToken"), want: Allow},
		{name: "action ? needs one character", principal: alice, action: "codeartifact:GetAuthorizationToken", identity: allowAction("codeartifact:GetAuthorizationToken?"), want: ImplicitDeny},
		{name: "action inner *", principal: alice, action: "codeartifact:ListPackageVersionAssets", identity: allowAction("codeartifact:List*Assets"), want: Allow},
		{name: "action list", principal: alice, action: publish, identity: []string{pol(`{"Effect": "Allow", "Action": ["codeartifact:ReadFromRepository", "codeartifact:PublishPackageVersion"], "Resource": "*"}`)}, want: Allow},

		{name: "resource exact", principal: alice, identity: allowResource(repoProd), want: Allow},
		{name: "resource exact, other repository", principal: alice, resource: repoDev, identity: allowResource(repoProd), want: ImplicitDeny},
		{name: "resource prefix *", principal: alice, resource: repoDev, identity: allowResource("arn:aws:codeartifact:us-east-1:111122223333:repository/corp/*"), want: Allow},
		{name: "resource * does not turn a repository into a package", principal: alice, resource: pkgChalk, identity: allowResource("arn:aws:codeartifact:us-east-1:111122223333:repository/corp/*"), want: ImplicitDeny},
		{name: "package ARN with empty namespace", principal: alice, resource: pkgChalk, identity: allowResource("arn:aws:codeartifact:*:111122223333:package/corp/prod/npm//*"), want: Allow},
		{name: "resource ? wildcard", principal: alice, identity: allowResource("arn:aws:codeartifact:us-east-1:111122223333:repository/corp/pr?d"), want: Allow},
		{name: "resources are case-sensitive", principal: alice, identity: allowResource("arn:aws:codeartifact:us-east-1:111122223333:repository/corp/PROD"), want: ImplicitDeny},
		{name: "wildcard region segment", principal: alice, identity: allowResource("arn:aws:codeartifact:*:111122223333:repository/corp/prod"), want: Allow},
		{name: "wildcard within a segment does not cross a colon", principal: alice, identity: allowResource("arn:aws:codeartifact:us-*:repository/corp/prod"), want: ImplicitDeny},
		{name: "trailing * reaches past colons", principal: alice, identity: allowResource("arn:aws:codeartifact:*"), want: Allow},
		{name: "trailing * of another service", principal: alice, identity: allowResource("arn:aws:s3:*"), want: ImplicitDeny},
		{name: "partial ARN without * matches nothing", principal: alice, identity: allowResource("arn:aws:codeartifact:us-east-1"), want: ImplicitDeny},
		{name: "resource list", principal: alice, resource: domainCorp, identity: []string{pol(`{"Effect": "Allow", "Action": "*", "Resource": ["` + repoProd + `", "` + domainCorp + `"]}`)}, want: Allow},
	})
}

func TestEvaluateNotActionNotResource(t *testing.T) {
	allowExceptDelete := pol(`{"Sid": "AllButDelete", "Effect": "Allow", "NotAction": ["codeartifact:Delete*", "codeartifact:Put*PermissionsPolicy"], "Resource": "*"}`)
	runEvalCases(t, []evalCase{
		// NotAction with Allow grants every other action...
		{name: "Allow NotAction grants other actions", principal: alice, identity: []string{allowExceptDelete}, want: Allow, wantSid: "AllButDelete"},
		// ...and does not grant (nor deny) the excluded ones.
		{name: "Allow NotAction does not grant the excluded action", principal: alice, action: "codeartifact:DeleteRepository", identity: []string{allowExceptDelete}, want: ImplicitDeny},
		{name: "Allow NotAction does not grant the excluded action (wildcard, case)", principal: alice, action: "codeartifact:putrepositorypermissionspolicy", identity: []string{allowExceptDelete}, want: ImplicitDeny},
		{name: "excluded action granted by another statement", principal: alice, action: "codeartifact:DeleteRepository",
			identity: []string{allowExceptDelete, pol(`{"Effect": "Allow", "Action": "codeartifact:DeleteRepository", "Resource": "*"}`)}, want: Allow},
		// Deny with NotAction denies everything else.
		{name: "Deny NotAction denies other actions", principal: alice, action: publish,
			identity: []string{allowAll, pol(`{"Sid": "ReadOnly", "Effect": "Deny", "NotAction": ["codeartifact:Read*", "codeartifact:Describe*", "codeartifact:List*"], "Resource": "*"}`)},
			want:     ExplicitDeny, wantSid: "ReadOnly"},
		{name: "Deny NotAction leaves the listed actions", principal: alice,
			identity: []string{allowAll, pol(`{"Effect": "Deny", "NotAction": ["codeartifact:Read*"], "Resource": "*"}`)}, want: Allow},

		// NotResource with Allow: every resource but the listed ones.
		{name: "Allow NotResource grants other resources", principal: alice, resource: repoDev,
			identity: []string{pol(`{"Effect": "Allow", "Action": "codeartifact:*", "NotResource": "` + repoProd + `"}`)}, want: Allow},
		{name: "Allow NotResource does not grant the listed resource", principal: alice,
			identity: []string{pol(`{"Effect": "Allow", "Action": "codeartifact:*", "NotResource": "` + repoProd + `"}`)}, want: ImplicitDeny},
		// NotResource with Deny: deny everything outside the listed resources
		// (the HRPayroll example).
		{name: "Deny NotResource denies outside resources", principal: alice,
			identity: []string{allowAll, pol(`{"Sid": "OnlyDev", "Effect": "Deny", "Action": "codeartifact:*", "NotResource": ["` + repoDev + `", "arn:aws:codeartifact:*:*:package/corp/dev/*"]}`)},
			want:     ExplicitDeny, wantSid: "OnlyDev"},
		{name: "Deny NotResource spares listed resources", principal: alice, resource: repoDev,
			identity: []string{allowAll, pol(`{"Effect": "Deny", "Action": "codeartifact:*", "NotResource": ["` + repoDev + `"]}`)}, want: Allow},
		{name: "NotAction and NotResource together", principal: alice, action: publish, resource: repoDev,
			identity: []string{pol(`{"Effect": "Allow", "NotAction": "codeartifact:Delete*", "NotResource": "` + repoProd + `"}`)}, want: Allow},
	})
}

func TestEvaluatePrincipalsAndAccounts(t *testing.T) {
	grant := func(principal string) string {
		return pol(`{"Sid": "Grant", "Effect": "Allow", "Principal": ` + principal + `, "Action": ["codeartifact:ReadFromRepository", "codeartifact:DescribeRepository"], "Resource": "*"}`)
	}
	readOnly := pol(`{"Sid": "Read", "Effect": "Allow", "Action": "codeartifact:ReadFromRepository", "Resource": "*"}`)
	runEvalCases(t, []evalCase{
		// Same account: the resource policy alone suffices.
		{name: "same account, resource policy names the user", principal: alice, resPolicy: grant(`{"AWS": "arn:aws:iam::111122223333:user/alice"}`), want: Allow, wantBy: SourceResource, wantSid: "Grant"},
		{name: "same account, resource policy names the account id", principal: alice, resPolicy: grant(`{"AWS": "111122223333"}`), want: Allow},
		{name: "same account, resource policy names the account root ARN", principal: carol, resPolicy: grant(`{"AWS": ["arn:aws:iam::111122223333:root"]}`), want: Allow},
		{name: "same account, resource policy names *", principal: alice, resPolicy: grant(`"*"`), want: Allow},
		{name: "same account, resource policy names {AWS: *}", principal: alice, resPolicy: grant(`{"AWS": "*"}`), want: Allow},
		{name: "same account, resource policy names another user", principal: alice, resPolicy: grant(`{"AWS": "arn:aws:iam::111122223333:user/dev/carol"}`), want: ImplicitDeny},
		{name: "user ARN with path", principal: carol, resPolicy: grant(`{"AWS": "arn:aws:iam::111122223333:user/dev/carol"}`), want: Allow},
		{name: "same account, resource policy names another account", principal: alice, resPolicy: grant(`{"AWS": "444455556666"}`), want: ImplicitDeny},
		{name: "a role ARN matches its sessions", principal: ci, resPolicy: grant(`{"AWS": "arn:aws:iam::111122223333:role/ci"}`), want: Allow},
		{name: "a session ARN matches that session", principal: ci, resPolicy: grant(`{"AWS": "arn:aws:sts::111122223333:assumed-role/ci/build-42"}`), want: Allow},
		{name: "another role's sessions do not match", principal: admin, resPolicy: grant(`{"AWS": "arn:aws:iam::111122223333:role/ci"}`), want: ImplicitDeny},
		{name: "unique id principal", principal: alice, resPolicy: grant(`{"AWS": "AIDAALICEALICEALICE1"}`), want: Allow},
		{name: "role unique id matches its sessions", principal: ci, resPolicy: grant(`{"AWS": "AROACICICICICICICICI"}`), want: Allow},
		{name: "service principals never match", principal: alice, resPolicy: grant(`{"Service": "codebuild.amazonaws.com"}`), want: ImplicitDeny},
		{name: "root ARN principal grants the root", principal: rootA, action: "codeartifact:DescribeRepository", resPolicy: grant(`{"AWS": "arn:aws:iam::111122223333:root"}`), want: Allow},
		{name: "resource policy allow for another action", principal: alice, action: publish, resPolicy: grant(`"*"`), want: ImplicitDeny},
		{name: "resource policy Resource is checked", principal: alice, resPolicy: pol(`{"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "` + repoDev + `"}`), want: ImplicitDeny},

		// NotPrincipal.
		{name: "Deny NotPrincipal denies everyone else", principal: alice, action: publish, identity: []string{allowAll},
			resPolicy: pol(`{"Sid": "OnlyAdmin", "Effect": "Deny", "NotPrincipal": {"AWS": "arn:aws:iam::111122223333:role/admin"}, "Action": "codeartifact:PublishPackageVersion", "Resource": "*"}`),
			want:      ExplicitDeny, wantSid: "OnlyAdmin"},
		{name: "Deny NotPrincipal spares the named role's sessions", principal: admin, action: publish, identity: []string{allowAll},
			resPolicy: pol(`{"Effect": "Deny", "NotPrincipal": {"AWS": "arn:aws:iam::111122223333:role/admin"}, "Action": "codeartifact:PublishPackageVersion", "Resource": "*"}`),
			want:      Allow},
		{name: "Deny NotPrincipal of an account spares the whole account", principal: alice, identity: []string{allowAll},
			resPolicy: pol(`{"Effect": "Deny", "NotPrincipal": {"AWS": "111122223333"}, "Action": "*", "Resource": "*"}`), want: Allow},
		{name: "Deny NotPrincipal of an account denies other accounts", principal: bob, identity: []string{allowAll},
			resPolicy: pol(`{"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"}`, `{"Sid": "Outsiders", "Effect": "Deny", "NotPrincipal": {"AWS": "111122223333"}, "Action": "*", "Resource": "*"}`),
			want:      ExplicitDeny, wantSid: "Outsiders"},
		{name: "Allow NotPrincipal grants everyone else", principal: alice,
			resPolicy: pol(`{"Effect": "Allow", "NotPrincipal": {"AWS": "arn:aws:iam::111122223333:user/dev/carol"}, "Action": "*", "Resource": "*"}`), want: Allow},
		{name: "Allow NotPrincipal does not grant the named principal", principal: carol,
			resPolicy: pol(`{"Effect": "Allow", "NotPrincipal": {"AWS": "arn:aws:iam::111122223333:user/dev/carol"}, "Action": "*", "Resource": "*"}`), want: ImplicitDeny},

		// Cross account: both the identity policy and the resource policy
		// must allow.
		{name: "cross-account, identity allow only", principal: bob, identity: []string{readOnly}, want: ImplicitDeny, reason: "because no resource-based policy allows the codeartifact:ReadFromRepository action"},
		{name: "cross-account, resource allow only", principal: bob, resPolicy: grant(`{"AWS": "444455556666"}`), want: ImplicitDeny, reason: "because no identity-based policy allows"},
		{name: "cross-account, both allow (account principal)", principal: bob, identity: []string{readOnly}, resPolicy: grant(`{"AWS": "444455556666"}`), want: Allow, wantBy: SourceResource, wantSid: "Grant"},
		{name: "cross-account, both allow (user principal)", principal: bob, identity: []string{readOnly}, resPolicy: grant(`{"AWS": "arn:aws:iam::444455556666:user/bob"}`), want: Allow},
		{name: "cross-account, both allow (*)", principal: bob, identity: []string{readOnly}, resPolicy: grant(`"*"`), want: Allow},
		{name: "cross-account, resource grants another account", principal: bob, identity: []string{readOnly}, resPolicy: grant(`{"AWS": "999988887777"}`), want: ImplicitDeny},
		{name: "cross-account, both allow different actions", principal: bob, action: "codeartifact:DescribeRepository", identity: []string{readOnly}, resPolicy: grant(`"*"`), want: ImplicitDeny},
		{name: "cross-account, resource deny", principal: bob, identity: []string{readOnly},
			resPolicy: pol(`{"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"}`, `{"Sid": "NoB", "Effect": "Deny", "Principal": {"AWS": "444455556666"}, "Action": "*", "Resource": "*"}`),
			want:      ExplicitDeny, wantSid: "NoB"},
		{name: "cross-account, identity deny", principal: bob, identity: []string{readOnly, pol(`{"Sid": "D", "Effect": "Deny", "Action": "*", "Resource": "*"}`)},
			resPolicy: grant(`"*"`), want: ExplicitDeny, wantBy: SourceIdentity},
		{name: "resource account unknown counts as another account", principal: alice, resPolicy: grant(`"*"`), resAcct: "", want: Allow},
	})
}

func TestEvaluateConditions(t *testing.T) {
	tags := func(kv ...string) map[string][]string {
		m := map[string][]string{}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i]] = append(m[kv[i]], kv[i+1])
		}
		return m
	}
	team := func(v string) map[string][]string { return tags("aws:ResourceTag/team", v) }
	keys := func(k ...string) map[string][]string { return map[string][]string{"aws:TagKeys": k} }
	ip := func(a string) map[string][]string { return tags("aws:SourceIp", a) }
	num := func(n string) map[string][]string { return tags("aws:MultiFactorAuthAge", n) }
	now := func(ts string) map[string][]string { return tags("aws:CurrentTime", ts) }
	c := func(name, cond string, ctx map[string][]string, want Effect) evalCase {
		return evalCase{name: name, principal: alice, ctx: ctx, identity: []string{allowIf(cond)}, want: want}
	}
	cp := func(name, cond string, p Principal, want Effect) evalCase {
		return evalCase{name: name, principal: p, identity: []string{allowIf(cond)}, want: want}
	}
	runEvalCases(t, []evalCase{
		// String operators.
		cp("StringEquals on aws:PrincipalAccount (from the principal)", `{"StringEquals": {"aws:PrincipalAccount": "111122223333"}}`, alice, Allow),
		cp("StringEquals mismatch", `{"StringEquals": {"aws:PrincipalAccount": "444455556666"}}`, alice, ImplicitDeny),
		c("StringEquals tag", `{"StringEquals": {"aws:ResourceTag/team": "platform"}}`, team("platform"), Allow),
		c("StringEquals is case-sensitive", `{"StringEquals": {"aws:ResourceTag/team": "platform"}}`, team("Platform"), ImplicitDeny),
		c("StringEquals on a missing key is false", `{"StringEquals": {"aws:ResourceTag/team": "platform"}}`, nil, ImplicitDeny),
		c("StringEquals values are OR-ed", `{"StringEquals": {"aws:ResourceTag/team": ["web", "platform"]}}`, team("platform"), Allow),
		c("StringEquals has no wildcards", `{"StringEquals": {"aws:ResourceTag/team": "plat*"}}`, team("platform"), ImplicitDeny),
		c("StringEquals literal *", `{"StringEquals": {"aws:ResourceTag/team": "plat*"}}`, team("plat*"), Allow),
		c("StringNotEquals", `{"StringNotEquals": {"aws:ResourceTag/team": "web"}}`, team("platform"), Allow),
		c("StringNotEquals values are NOR-ed", `{"StringNotEquals": {"aws:ResourceTag/team": ["web", "platform"]}}`, team("platform"), ImplicitDeny),
		c("StringNotEquals on a missing key is true", `{"StringNotEquals": {"aws:ResourceTag/team": "web"}}`, nil, Allow),
		c("StringEqualsIgnoreCase", `{"StringEqualsIgnoreCase": {"aws:ResourceTag/team": "PLATFORM"}}`, team("Platform"), Allow),
		c("StringEqualsIgnoreCase Unicode", `{"StringEqualsIgnoreCase": {"aws:ResourceTag/team": "ÉQUIPE"}}`, team("équipe"), Allow),
		c("StringNotEqualsIgnoreCase", `{"StringNotEqualsIgnoreCase": {"aws:ResourceTag/team": "PLATFORM"}}`, team("platform"), ImplicitDeny),
		c("StringLike *", `{"StringLike": {"aws:ResourceTag/team": "plat*"}}`, team("platform"), Allow),
		c("StringLike ?", `{"StringLike": {"aws:ResourceTag/team": "w?b"}}`, team("web"), Allow),
		c("StringLike mismatch", `{"StringLike": {"aws:ResourceTag/team": "w?b"}}`, team("webb"), ImplicitDeny),
		c("StringNotLike", `{"StringNotLike": {"aws:ResourceTag/team": "plat*"}}`, team("web"), Allow),
		c("StringNotLike match", `{"StringNotLike": {"aws:ResourceTag/team": ["x", "plat*"]}}`, team("platform"), ImplicitDeny),
		c("StringNotLike on a missing key is true", `{"StringNotLike": {"aws:ResourceTag/team": "plat*"}}`, nil, Allow),
		c("condition key names are case-insensitive", `{"StringEquals": {"AWS:RESOURCETAG/TEAM": "platform"}}`, team("platform"), Allow),
		c("condition operators are case-insensitive", `{"stringequals": {"aws:ResourceTag/team": "platform"}}`, team("platform"), Allow),
		c("number value", `{"StringEquals": {"aws:ResourceTag/team": 42}}`, team("42"), Allow),

		// ARN operators.
		cp("ArnLike aws:PrincipalArn of a role session is the role", `{"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/ci"}}`, ci, Allow),
		cp("ArnEquals (same test as ArnLike)", `{"ArnEquals": {"aws:PrincipalArn": "arn:aws:iam::111122223333:role/c?"}}`, ci, Allow),
		cp("ArnLike mismatch", `{"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/admin"}}`, ci, ImplicitDeny),
		cp("ArnLike * stays in its segment", `{"ArnLike": {"aws:PrincipalArn": "arn:aws:iam:*:role/ci"}}`, ci, ImplicitDeny),
		cp("ArnNotLike", `{"ArnNotLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/admin"}}`, ci, Allow),
		cp("ArnNotEquals match", `{"ArnNotEquals": {"aws:PrincipalArn": "arn:aws:iam::111122223333:user/alice"}}`, alice, ImplicitDeny),
		c("ArnLike on a missing key", `{"ArnLike": {"aws:SourceArn": "arn:*"}}`, nil, ImplicitDeny),
		c("ArnNotLike on a missing key", `{"ArnNotLike": {"aws:SourceArn": "arn:*"}}`, nil, Allow),

		// Bool.
		c("Bool true", `{"Bool": {"aws:SecureTransport": "true"}}`, tags("aws:SecureTransport", "true"), Allow),
		c("Bool JSON boolean, context value case", `{"Bool": {"aws:SecureTransport": true}}`, tags("aws:SecureTransport", "TRUE"), Allow),
		c("Bool false", `{"Bool": {"aws:SecureTransport": "true"}}`, tags("aws:SecureTransport", "false"), ImplicitDeny),
		c("Bool missing key", `{"Bool": {"aws:SecureTransport": "true"}}`, nil, ImplicitDeny),
		c("BoolIfExists missing key", `{"BoolIfExists": {"aws:MultiFactorAuthPresent": "true"}}`, nil, Allow),
		c("BoolIfExists present", `{"BoolIfExists": {"aws:MultiFactorAuthPresent": "true"}}`, tags("aws:MultiFactorAuthPresent", "false"), ImplicitDeny),
		c("BinaryEquals", `{"BinaryEquals": {"codeartifact:blob": "QmluYXJ5"}}`, tags("codeartifact:blob", "QmluYXJ5"), Allow),

		// Null.
		c("Null true, key absent", `{"Null": {"aws:ResourceTag/team": "true"}}`, nil, Allow),
		c("Null true, key present", `{"Null": {"aws:ResourceTag/team": "true"}}`, team("web"), ImplicitDeny),
		c("Null false, key present", `{"Null": {"aws:ResourceTag/team": false}}`, team("web"), Allow),
		c("Null false, key absent", `{"Null": {"aws:ResourceTag/team": "false"}}`, nil, ImplicitDeny),
		c("Null true, key with no values", `{"Null": {"aws:TagKeys": "true"}}`, keys(), Allow),
		cp("Null false on a principal-derived key", `{"Null": {"aws:username": "false"}}`, alice, Allow),
		cp("Null true on aws:username of a role session", `{"Null": {"aws:username": "true"}}`, ci, Allow),

		// Numeric.
		c("NumericLessThan", `{"NumericLessThan": {"aws:MultiFactorAuthAge": "3600"}}`, num("100"), Allow),
		c("NumericLessThan false", `{"NumericLessThan": {"aws:MultiFactorAuthAge": 3600}}`, num("3600"), ImplicitDeny),
		c("NumericLessThanEquals", `{"NumericLessThanEquals": {"aws:MultiFactorAuthAge": 3600}}`, num("3600"), Allow),
		c("NumericGreaterThan", `{"NumericGreaterThan": {"aws:MultiFactorAuthAge": 3600}}`, num("3600.5"), Allow),
		c("NumericGreaterThanEquals", `{"NumericGreaterThanEquals": {"aws:MultiFactorAuthAge": 3600}}`, num("3599"), ImplicitDeny),
		c("NumericEquals", `{"NumericEquals": {"aws:MultiFactorAuthAge": ["10", "20"]}}`, num("20.0"), Allow),
		c("NumericNotEquals", `{"NumericNotEquals": {"aws:MultiFactorAuthAge": ["10", "20"]}}`, num("20"), ImplicitDeny),
		c("NumericNotEquals other", `{"NumericNotEquals": {"aws:MultiFactorAuthAge": ["10", "20"]}}`, num("30"), Allow),
		c("Numeric on a non-number", `{"NumericLessThan": {"aws:MultiFactorAuthAge": 3600}}`, num("soon"), ImplicitDeny),
		c("NumericLessThanIfExists missing", `{"NumericLessThanIfExists": {"aws:MultiFactorAuthAge": 3600}}`, nil, Allow),

		// Date.
		c("DateLessThan", `{"DateLessThan": {"aws:CurrentTime": "2030-01-01T00:00:00Z"}}`, now("2025-06-01T12:00:00Z"), Allow),
		c("DateLessThan false", `{"DateLessThan": {"aws:CurrentTime": "2020-01-01T00:00:00Z"}}`, now("2025-06-01T12:00:00Z"), ImplicitDeny),
		c("DateGreaterThan with offset", `{"DateGreaterThan": {"aws:CurrentTime": "2025-06-01T13:00:00+02:00"}}`, now("2025-06-01T12:00:00Z"), Allow),
		c("DateEquals epoch vs ISO", `{"DateEquals": {"aws:EpochTime": "1748779200"}}`, tags("aws:EpochTime", "2025-06-01T12:00:00Z"), Allow),
		c("DateNotEquals", `{"DateNotEquals": {"aws:CurrentTime": "2025-06-01"}}`, now("2025-06-01T00:00:00Z"), ImplicitDeny),
		c("DateLessThanEquals", `{"DateLessThanEquals": {"aws:CurrentTime": "2025-06-01T12:00:00Z"}}`, now("2025-06-01T12:00:00Z"), Allow),
		c("DateGreaterThanEquals", `{"DateGreaterThanEquals": {"aws:CurrentTime": "2025-06-01T12:00:01Z"}}`, now("2025-06-01T12:00:00Z"), ImplicitDeny),

		// IP addresses.
		c("IpAddress in range", `{"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}`, ip("203.0.113.9"), Allow),
		c("IpAddress out of range", `{"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}`, ip("198.51.100.1"), ImplicitDeny),
		c("IpAddress single address", `{"IpAddress": {"aws:SourceIp": ["10.0.0.0/8", "198.51.100.1"]}}`, ip("198.51.100.1"), Allow),
		c("IpAddress IPv6", `{"IpAddress": {"aws:SourceIp": "2001:db8::/32"}}`, ip("2001:db8:1::5"), Allow),
		c("IpAddress IPv4-mapped", `{"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}`, ip("::ffff:203.0.113.9"), Allow),
		c("NotIpAddress", `{"NotIpAddress": {"aws:SourceIp": "203.0.113.0/24"}}`, ip("198.51.100.1"), Allow),
		c("NotIpAddress in range", `{"NotIpAddress": {"aws:SourceIp": "203.0.113.0/24"}}`, ip("203.0.113.1"), ImplicitDeny),
		c("IpAddress on garbage", `{"IpAddress": {"aws:SourceIp": "0.0.0.0/0"}}`, ip("not-an-ip"), ImplicitDeny),
		{name: "Deny NotIpAddress (deny outside the office)", principal: alice, ctx: ip("198.51.100.1"),
			identity: []string{allowAll, pol(`{"Sid": "Office", "Effect": "Deny", "Action": "*", "Resource": "*", "Condition": {"NotIpAddress": {"aws:SourceIp": "203.0.113.0/24"}}}`)},
			want:     ExplicitDeny, wantSid: "Office"},

		// IfExists.
		c("StringEqualsIfExists missing key", `{"StringEqualsIfExists": {"aws:ResourceTag/team": "platform"}}`, nil, Allow),
		c("StringEqualsIfExists present, match", `{"StringEqualsIfExists": {"aws:ResourceTag/team": "platform"}}`, team("platform"), Allow),
		c("StringEqualsIfExists present, mismatch", `{"StringEqualsIfExists": {"aws:ResourceTag/team": "platform"}}`, team("web"), ImplicitDeny),
		c("StringNotLikeIfExists missing key", `{"StringNotLikeIfExists": {"aws:ResourceTag/team": "*"}}`, nil, Allow),
		c("ArnLikeIfExists missing key", `{"ArnLikeIfExists": {"aws:SourceArn": "arn:aws:s3:::x"}}`, nil, Allow),
		c("IpAddressIfExists missing key", `{"IpAddressIfExists": {"aws:SourceIp": "203.0.113.0/24"}}`, nil, Allow),
		c("DateLessThanIfExists missing key", `{"DateLessThanIfExists": {"aws:CurrentTime": "2000-01-01"}}`, nil, Allow),

		// Set qualifiers on multivalued keys.
		c("ForAllValues on an empty set is true", `{"ForAllValues:StringEquals": {"aws:TagKeys": ["team", "env"]}}`, keys(), Allow),
		c("ForAllValues on a missing key is true", `{"ForAllValues:StringEquals": {"aws:TagKeys": ["team", "env"]}}`, nil, Allow),
		c("ForAnyValue on an empty set is false", `{"ForAnyValue:StringEquals": {"aws:TagKeys": ["team", "env"]}}`, keys(), ImplicitDeny),
		c("ForAnyValue on a missing key is false", `{"ForAnyValue:StringEquals": {"aws:TagKeys": ["team", "env"]}}`, nil, ImplicitDeny),
		c("ForAllValues subset", `{"ForAllValues:StringEquals": {"aws:TagKeys": ["team", "env"]}}`, keys("team"), Allow),
		c("ForAllValues all", `{"ForAllValues:StringEquals": {"aws:TagKeys": ["team", "env"]}}`, keys("env", "team"), Allow),
		c("ForAllValues not a subset", `{"ForAllValues:StringEquals": {"aws:TagKeys": ["team", "env"]}}`, keys("team", "owner"), ImplicitDeny),
		c("ForAnyValue intersects", `{"ForAnyValue:StringEquals": {"aws:TagKeys": ["team", "env"]}}`, keys("owner", "env"), Allow),
		c("ForAnyValue disjoint", `{"ForAnyValue:StringEquals": {"aws:TagKeys": ["team", "env"]}}`, keys("owner"), ImplicitDeny),
		c("ForAllValues:StringLike", `{"ForAllValues:StringLike": {"aws:TagKeys": "team-*"}}`, keys("team-a", "team-b"), Allow),
		c("ForAllValues:StringNotEquals: no value is listed", `{"ForAllValues:StringNotEquals": {"aws:TagKeys": ["secret"]}}`, keys("team", "env"), Allow),
		c("ForAllValues:StringNotEquals: one value is listed", `{"ForAllValues:StringNotEquals": {"aws:TagKeys": ["secret"]}}`, keys("team", "secret"), ImplicitDeny),
		c("ForAnyValue:StringNotEquals: some value is not listed", `{"ForAnyValue:StringNotEquals": {"aws:TagKeys": ["team"]}}`, keys("team", "env"), Allow),
		c("ForAnyValue:StringNotEquals: every value listed", `{"ForAnyValue:StringNotEquals": {"aws:TagKeys": ["team"]}}`, keys("team"), ImplicitDeny),
		c("ForAnyValue:StringNotEquals on an empty set", `{"ForAnyValue:StringNotEquals": {"aws:TagKeys": ["team"]}}`, keys(), ImplicitDeny),
		c("ForAllValues:StringNotEquals on an empty set", `{"ForAllValues:StringNotEquals": {"aws:TagKeys": ["team"]}}`, keys(), Allow),
		c("unqualified operator on a multivalued key: some value matches", `{"StringEquals": {"aws:TagKeys": "team"}}`, keys("env", "team"), Allow),
		c("unqualified negated operator on a multivalued key: some value matches", `{"StringNotEquals": {"aws:TagKeys": "team"}}`, keys("env", "team"), ImplicitDeny),

		// AND across keys and operators, OR within a key.
		c("two keys, both match", `{"StringEquals": {"aws:ResourceTag/team": "web", "aws:ResourceTag/env": "prod"}}`, tags("aws:ResourceTag/team", "web", "aws:ResourceTag/env", "prod"), Allow),
		c("two keys, one matches", `{"StringEquals": {"aws:ResourceTag/team": "web", "aws:ResourceTag/env": "prod"}}`, tags("aws:ResourceTag/team", "web", "aws:ResourceTag/env", "dev"), ImplicitDeny),
		c("two operators, both match", `{"StringEquals": {"aws:ResourceTag/team": "web"}, "Bool": {"aws:SecureTransport": "true"}}`, tags("aws:ResourceTag/team", "web", "aws:SecureTransport", "true"), Allow),
		c("two operators, one matches", `{"StringEquals": {"aws:ResourceTag/team": "web"}, "Bool": {"aws:SecureTransport": "true"}}`, tags("aws:ResourceTag/team", "web", "aws:SecureTransport", "false"), ImplicitDeny),
		c("empty Condition", `{}`, nil, Allow),

		// A Deny's condition gates the deny.
		{name: "Deny with a Bool condition (require TLS)", principal: alice, ctx: tags("aws:SecureTransport", "false"),
			identity: []string{allowAll, pol(`{"Sid": "TLS", "Effect": "Deny", "Action": "*", "Resource": "*", "Condition": {"Bool": {"aws:SecureTransport": "false"}}}`)},
			want:     ExplicitDeny, wantSid: "TLS"},
		{name: "Deny condition false", principal: alice, ctx: tags("aws:SecureTransport", "true"),
			identity: []string{allowAll, pol(`{"Effect": "Deny", "Action": "*", "Resource": "*", "Condition": {"Bool": {"aws:SecureTransport": "false"}}}`)},
			want:     Allow},
		{name: "resource policy condition on aws:PrincipalAccount", principal: bob, identity: []string{allowAll},
			resPolicy: pol(`{"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*", "Condition": {"StringEquals": {"aws:PrincipalAccount": ["444455556666"]}}}`), want: Allow},
		{name: "resource policy condition on aws:PrincipalAccount, other account", principal: bob, identity: []string{allowAll},
			resPolicy: pol(`{"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*", "Condition": {"StringEquals": {"aws:PrincipalAccount": ["999988887777"]}}}`), want: ImplicitDeny},
		{name: "Context overrides the principal-derived value", principal: alice, ctx: tags("aws:PrincipalAccount", "999988887777"),
			identity: []string{allowIf(`{"StringEquals": {"aws:PrincipalAccount": "111122223333"}}`)}, want: ImplicitDeny},
	})
}

func TestEvaluatePolicyVariables(t *testing.T) {
	home := pol(`{"Sid": "Home", "Effect": "Allow", "Action": "codeartifact:*", "Resource": "arn:aws:codeartifact:*:${aws:PrincipalAccount}:repository/home/${aws:username}"}`)
	homeDefault := pol(`{"Effect": "Allow", "Action": "codeartifact:*", "Resource": "arn:aws:codeartifact:*:*:repository/home/${aws:username, 'shared'}"}`)
	runEvalCases(t, []evalCase{
		{name: "${aws:username} in Resource", principal: alice, resource: "arn:aws:codeartifact:us-east-1:111122223333:repository/home/alice", identity: []string{home}, want: Allow, wantSid: "Home"},
		{name: "${aws:username} in Resource, another user's", principal: alice, resource: "arn:aws:codeartifact:us-east-1:111122223333:repository/home/carol", identity: []string{home}, want: ImplicitDeny},
		{name: "${aws:PrincipalAccount} in Resource", principal: alice, resource: "arn:aws:codeartifact:us-east-1:444455556666:repository/home/alice", identity: []string{home}, want: ImplicitDeny},
		{name: "variable without a value matches nothing", principal: ci, resource: "arn:aws:codeartifact:us-east-1:111122223333:repository/home/", identity: []string{home}, want: ImplicitDeny},
		{name: "variable's literal text does not match either", principal: ci, resource: "arn:aws:codeartifact:us-east-1:111122223333:repository/home/${aws:username}", identity: []string{home}, want: ImplicitDeny},
		{name: "default value", principal: ci, resource: "arn:aws:codeartifact:us-east-1:111122223333:repository/home/shared", identity: []string{homeDefault}, want: Allow},
		{name: "default value not used when the key has a value", principal: alice, resource: "arn:aws:codeartifact:us-east-1:111122223333:repository/home/shared", identity: []string{homeDefault}, want: ImplicitDeny},
		{name: "${aws:userid}", principal: ci, resource: "arn:aws:codeartifact:us-east-1:111122223333:repository/u/AROACICICICICICICICI:build-42",
			identity: []string{pol(`{"Effect": "Allow", "Action": "*", "Resource": "arn:aws:codeartifact:us-east-1:111122223333:repository/u/${aws:userid}"}`)}, want: Allow},
		{name: "variable with a wildcard", principal: alice, resource: "arn:aws:codeartifact:us-east-1:111122223333:package/corp/prod/npm/alice/tool",
			identity: []string{pol(`{"Effect": "Allow", "Action": "*", "Resource": "arn:aws:codeartifact:*:*:package/corp/prod/npm/${aws:username}/*"}`)}, want: Allow},
		{name: "${*} is a literal asterisk", principal: alice, resource: "arn:aws:codeartifact:us-east-1:111122223333:repository/corp/a*",
			identity: []string{pol(`{"Effect": "Allow", "Action": "*", "Resource": "arn:aws:codeartifact:us-east-1:111122223333:repository/corp/a${*}"}`)}, want: Allow},
		{name: "${*} is not a wildcard", principal: alice, resource: "arn:aws:codeartifact:us-east-1:111122223333:repository/corp/ab",
			identity: []string{pol(`{"Effect": "Allow", "Action": "*", "Resource": "arn:aws:codeartifact:us-east-1:111122223333:repository/corp/a${*}"}`)}, want: ImplicitDeny},
		{name: "${?} and ${$}", principal: alice, resource: "arn:aws:codeartifact:us-east-1:111122223333:repository/corp/a?$",
			identity: []string{pol(`{"Effect": "Allow", "Action": "*", "Resource": "arn:aws:codeartifact:us-east-1:111122223333:repository/corp/a${?}${$}"}`)}, want: Allow},
		{name: "a value's * is not a wildcard", principal: Principal{Account: acctA, ARN: "arn:aws:iam::111122223333:user/x", Username: "*"}, resource: "arn:aws:codeartifact:us-east-1:111122223333:repository/home/alice",
			identity: []string{home}, want: ImplicitDeny},
		{name: "variable in a condition value", principal: alice, ctx: map[string][]string{"aws:ResourceTag/owner": {"alice"}},
			identity: []string{allowIf(`{"StringEquals": {"aws:ResourceTag/owner": "${aws:username}"}}`)}, want: Allow},
		{name: "variable in a condition value, other owner", principal: carol, ctx: map[string][]string{"aws:ResourceTag/owner": {"alice"}},
			identity: []string{allowIf(`{"StringEquals": {"aws:ResourceTag/owner": "${aws:username}"}}`)}, want: ImplicitDeny},
		{name: "variable in StringLike", principal: alice, ctx: map[string][]string{"codeartifact:namespace": {"alice-tools"}},
			identity: []string{allowIf(`{"StringLike": {"codeartifact:namespace": "${aws:username}-*"}}`)}, want: Allow},
		{name: "variable in StringEqualsIgnoreCase", principal: alice, ctx: map[string][]string{"aws:ResourceTag/owner": {"ALICE"}},
			identity: []string{allowIf(`{"StringEqualsIgnoreCase": {"aws:ResourceTag/owner": "${aws:username}"}}`)}, want: Allow},
		{name: "variable in ArnEquals spanning colons", principal: ci, ctx: map[string][]string{"aws:SourceArn": {"arn:aws:iam::111122223333:role/ci"}},
			identity: []string{allowIf(`{"ArnEquals": {"aws:SourceArn": "${aws:PrincipalArn}"}}`)}, want: Allow},
		{name: "tag variable", principal: alice, resource: "arn:aws:codeartifact:us-east-1:111122223333:repository/team-web/x", ctx: map[string][]string{"aws:PrincipalTag/team": {"web"}},
			identity: []string{pol(`{"Effect": "Allow", "Action": "*", "Resource": "arn:aws:codeartifact:*:*:repository/team-${aws:PrincipalTag/team}/*"}`)}, want: Allow},
		{name: "multivalued key cannot be a variable", principal: alice, resource: "arn:aws:codeartifact:us-east-1:111122223333:repository/team-web/x", ctx: map[string][]string{"aws:PrincipalTag/team": {"web", "db"}},
			identity: []string{pol(`{"Effect": "Allow", "Action": "*", "Resource": "arn:aws:codeartifact:*:*:repository/team-${aws:PrincipalTag/team}/*"}`)}, want: ImplicitDeny},
		{name: "no variables under 2008-10-17", principal: alice, resource: "arn:aws:codeartifact:us-east-1:111122223333:repository/home/alice",
			identity: []string{`{"Version": "2008-10-17", "Statement": {"Effect": "Allow", "Action": "*", "Resource": "arn:aws:codeartifact:*:*:repository/home/${aws:username}"}}`}, want: ImplicitDeny},
	})
}

func TestDecisionMessage(t *testing.T) {
	p, err := Parse(pol(`{"Sid": "NoPublish", "Effect": "Deny", "Principal": "*", "Action": "codeartifact:PublishPackageVersion", "Resource": "*"}`))
	if err != nil {
		t.Fatal(err)
	}
	req := Request{Principal: alice, Action: publish, Resource: repoProd}
	d := Evaluate(req, nil, p, acctA)
	want := "User: arn:aws:iam::111122223333:user/alice is not authorized to perform: codeartifact:PublishPackageVersion on resource: " +
		repoProd + " with an explicit deny in a resource-based policy"
	if got := d.Message(req); got != want {
		t.Errorf("Message = %q\nwant      %q", got, want)
	}
	req.Action = read
	d = Evaluate(req, nil, p, acctA)
	want = "User: arn:aws:iam::111122223333:user/alice is not authorized to perform: codeartifact:ReadFromRepository on resource: " +
		repoProd + " because no identity-based policy allows the codeartifact:ReadFromRepository action"
	if got := d.Message(req); got != want {
		t.Errorf("Message = %q\nwant      %q", got, want)
	}
	if d.Effect.String() != "ImplicitDeny" || d.By.Source.String() != "none" {
		t.Errorf("Effect %v By %v", d.Effect, d.By.Source)
	}
}

// The decision names the first deciding statement; the identity side is
// preferred for a same-account allow; the resource side across accounts.
func TestDecisionStatementRef(t *testing.T) {
	id1, _ := Parse(pol(`{"Sid": "Other", "Effect": "Allow", "Action": "s3:*", "Resource": "*"}`))
	id2, _ := Parse(pol(`{"Sid": "X", "Effect": "Allow", "Action": "s3:*", "Resource": "*"}`, `{"Sid": "Read", "Effect": "Allow", "Action": "codeartifact:Read*", "Resource": "*"}`))
	res, _ := Parse(pol(`{"Sid": "R", "Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"}`))
	d := Evaluate(Request{Principal: alice, Action: read, Resource: repoProd}, []*Policy{id1, nil, id2}, res, acctA)
	if d.Effect != Allow || d.By != (StatementRef{SourceIdentity, 2, 1, "Read"}) || d.CrossAccount {
		t.Errorf("same account: %+v", d)
	}
	d = Evaluate(Request{Principal: bob, Action: read, Resource: repoProd}, []*Policy{id1, nil, id2}, res, acctA)
	if d.Effect != Allow || d.By != (StatementRef{SourceResource, 0, 0, "R"}) || d.IdentityAllow != (StatementRef{SourceIdentity, 2, 1, "Read"}) || !d.CrossAccount {
		t.Errorf("cross account: %+v", d)
	}
}

// Evaluation allocates nothing, whatever the outcome.
func TestEvaluateAllocations(t *testing.T) {
	req, ids, res := benchFixture(t)
	for _, r := range []Request{req, func() Request { r := req; r.Action = publish; return r }(), func() Request { r := req; r.Principal = bob; return r }()} {
		allocs := testing.AllocsPerRun(100, func() { Evaluate(r, ids, res, acctA) })
		if allocs != 0 {
			t.Errorf("Evaluate(%s by %s) allocates %v times", r.Action, r.Principal.ARN, allocs)
		}
	}
}
