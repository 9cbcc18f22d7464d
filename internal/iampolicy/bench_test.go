package iampolicy

import "testing"

// A realistic repository policy: ten statements, as teams write them
// (read grants to accounts and roles, publish grants with conditions,
// protective denies), and a CI user's identity policy.
const benchRepoPolicy = `{
  "Version": "2012-10-17",
  "Statement": [
    {"Sid": "ReadForOrgAccounts", "Effect": "Allow",
     "Principal": {"AWS": ["arn:aws:iam::111122223333:root", "444455556666", "arn:aws:iam::777788889999:root"]},
     "Action": ["codeartifact:DescribePackageVersion", "codeartifact:DescribeRepository", "codeartifact:GetPackageVersionReadme",
                "codeartifact:GetRepositoryEndpoint", "codeartifact:ListPackages", "codeartifact:ListPackageVersions",
                "codeartifact:ListPackageVersionAssets", "codeartifact:ListPackageVersionDependencies", "codeartifact:ReadFromRepository"],
     "Resource": "*"},
    {"Sid": "PublishFromCI", "Effect": "Allow",
     "Principal": {"AWS": ["arn:aws:iam::111122223333:role/ci", "arn:aws:iam::111122223333:user/release-bot"]},
     "Action": ["codeartifact:PublishPackageVersion", "codeartifact:PutPackageMetadata"],
     "Resource": "arn:aws:codeartifact:us-east-1:111122223333:package/corp/prod/*",
     "Condition": {"Bool": {"aws:SecureTransport": "true"}}},
    {"Sid": "TeamNamespaces", "Effect": "Allow", "Principal": {"AWS": "111122223333"},
     "Action": "codeartifact:PublishPackageVersion",
     "Resource": "arn:aws:codeartifact:*:111122223333:package/corp/prod/npm/${aws:PrincipalTag/team}/*"},
    {"Sid": "DenyDeleteOutsideAdmins", "Effect": "Deny",
     "NotPrincipal": {"AWS": ["arn:aws:iam::111122223333:role/admin", "arn:aws:iam::111122223333:root"]},
     "Action": ["codeartifact:DeletePackage*", "codeartifact:DeleteRepository", "codeartifact:DisposePackageVersions"],
     "Resource": "*"},
    {"Sid": "DenyInsecure", "Effect": "Deny", "Principal": "*", "Action": "codeartifact:*", "Resource": "*",
     "Condition": {"Bool": {"aws:SecureTransport": "false"}}},
    {"Sid": "DenyOutsideNetworks", "Effect": "Deny", "Principal": "*", "Action": "codeartifact:Publish*", "Resource": "*",
     "Condition": {"NotIpAddress": {"aws:SourceIp": ["10.0.0.0/8", "192.168.0.0/16", "203.0.113.0/24"]}, "Null": {"aws:SourceIp": "false"}}},
    {"Sid": "AuditorsDescribe", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:role/auditor"},
     "Action": ["codeartifact:Describe*", "codeartifact:List*", "codeartifact:GetRepositoryPermissionsPolicy"], "Resource": "*"},
    {"Sid": "ProtectPolicy", "Effect": "Deny", "Principal": "*",
     "Action": ["codeartifact:PutRepositoryPermissionsPolicy", "codeartifact:DeleteRepositoryPermissionsPolicy"], "Resource": "*",
     "Condition": {"ArnNotLike": {"aws:PrincipalArn": ["arn:aws:iam::111122223333:role/admin", "arn:aws:iam::111122223333:root"]}}},
    {"Sid": "TaggedOnly", "Effect": "Deny", "Principal": "*", "Action": "codeartifact:TagResource", "Resource": "*",
     "Condition": {"ForAnyValue:StringNotEquals": {"aws:TagKeys": ["team", "env", "cost-center"]}}},
    {"Sid": "UpstreamAssociation", "Effect": "Allow", "Principal": {"AWS": "111122223333"},
     "Action": "codeartifact:AssociateWithDownstreamRepository", "Resource": "*",
     "Condition": {"StringEqualsIfExists": {"aws:ResourceTag/env": "prod"}}}
  ]
}`

const benchIdentityPolicy = `{
  "Version": "2012-10-17",
  "Statement": [
    {"Sid": "Token", "Effect": "Allow", "Action": ["codeartifact:GetAuthorizationToken", "codeartifact:GetRepositoryEndpoint"],
     "Resource": "arn:aws:codeartifact:us-east-1:111122223333:domain/corp"},
    {"Sid": "Bearer", "Effect": "Allow", "Action": "sts:GetServiceBearerToken", "Resource": "*",
     "Condition": {"StringEquals": {"sts:AWSServiceName": "codeartifact.amazonaws.com"}}},
    {"Sid": "ReadRepos", "Effect": "Allow", "Action": ["codeartifact:ReadFromRepository", "codeartifact:Describe*", "codeartifact:List*"],
     "Resource": ["arn:aws:codeartifact:us-east-1:111122223333:repository/corp/*", "arn:aws:codeartifact:us-east-1:111122223333:package/corp/*"]},
    {"Sid": "NoProdWrites", "Effect": "Deny", "Action": ["codeartifact:Publish*", "codeartifact:Put*", "codeartifact:Delete*"],
     "Resource": "arn:aws:codeartifact:*:*:repository/corp/prod"}
  ]
}`

func benchFixture(tb testing.TB) (Request, []*Policy, *Policy) {
	tb.Helper()
	res, err := Parse(benchRepoPolicy)
	if err != nil {
		tb.Fatal(err)
	}
	id, err := Parse(benchIdentityPolicy)
	if err != nil {
		tb.Fatal(err)
	}
	req := Request{
		Principal: Principal{Account: acctA, ARN: "arn:aws:iam::111122223333:user/ci-reader", Username: "ci-reader", UserID: "AIDACIREADERCIREADER"},
		Action:    "codeartifact:ReadFromRepository",
		Resource:  repoProd,
		Context: map[string][]string{
			"aws:SourceIp":        {"10.1.2.3"},
			"aws:SecureTransport": {"true"},
		},
	}
	return req, []*Policy{id}, res
}

// BenchmarkEvaluate: a data-plane read (identity Allow, the resource policy
// searched for denies), a cross-account read (both sides), and a same-account
// caller with no identity policy whose access comes from the repository
// policy, as the benchmark user has it.
func BenchmarkEvaluate(b *testing.B) {
	req, ids, res := benchFixture(b)
	cross := req
	cross.Principal = bob
	resOnly := req
	resOnly.Principal = ci
	b.Run("identity-allow", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if !Evaluate(req, ids, res, acctA).Allowed() {
				b.Fatal("denied")
			}
		}
	})
	b.Run("cross-account", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if !Evaluate(cross, ids, res, acctA).Allowed() {
				b.Fatal("denied")
			}
		}
	})
	b.Run("resource-policy-only", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if !Evaluate(resOnly, nil, res, acctA).Allowed() {
				b.Fatal("denied")
			}
		}
	})
}

func BenchmarkParse(b *testing.B) {
	b.ReportAllocs()
	b.SetBytes(int64(len(benchRepoPolicy)))
	for b.Loop() {
		if _, err := Parse(benchRepoPolicy); err != nil {
			b.Fatal(err)
		}
	}
}
