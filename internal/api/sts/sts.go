// Package sts serves the STS subset artifactd implements —
// GetCallerIdentity and AssumeRole — in the AWS query protocol, for
// `aws sts`, boto3, the SDKs and Terraform. The rules live in internal/iam.
package sts

import (
	"context"
	"log/slog"

	"github.com/artifactd/artifactd/internal/api/awsquery"
	"github.com/artifactd/artifactd/internal/auth/sigv4"
	iamsvc "github.com/artifactd/artifactd/internal/iam"
)

// Namespace is the XML namespace of STS's answers.
const Namespace = "https://sts.amazonaws.com/doc/2011-06-15/"

// New returns the STS endpoint: requests signed for service "sts" (any
// region), authenticated by svc's keys.
func New(svc *iamsvc.Service, log *slog.Logger) *awsquery.Service {
	h := &handler{svc: svc}
	return &awsquery.Service{
		Namespace: Namespace,
		Verifier:  &sigv4.Verifier{Service: "sts", Regions: []string{"*"}, Keys: svc},
		Log:       log,
		Actions: map[string]awsquery.Action{
			"GetCallerIdentity": h.getCallerIdentity,
			"AssumeRole":        h.assumeRole,
		},
	}
}

type handler struct {
	svc *iamsvc.Service
}

// Wire shapes, element names as in STS's model
// (com.amazonaws.sts#AWSSecurityTokenServiceV20110615).

type callerIdentityResult struct {
	UserId  string `xml:"UserId"`
	Account string `xml:"Account"`
	Arn     string `xml:"Arn"`
}

type credentialsXML struct {
	AccessKeyId     string `xml:"AccessKeyId"`
	SecretAccessKey string `xml:"SecretAccessKey"`
	SessionToken    string `xml:"SessionToken"`
	Expiration      string `xml:"Expiration"`
}

type assumedRoleUserXML struct {
	AssumedRoleId string `xml:"AssumedRoleId"`
	Arn           string `xml:"Arn"`
}

type assumeRoleResult struct {
	Credentials     credentialsXML     `xml:"Credentials"`
	AssumedRoleUser assumedRoleUserXML `xml:"AssumedRoleUser"`
}

func (h *handler) getCallerIdentity(ctx context.Context, c *iamsvc.Credential, _ awsquery.Params) (any, error) {
	account, arn, userID := h.svc.GetCallerIdentity(ctx, c)
	return callerIdentityResult{UserId: userID, Account: account, Arn: arn}, nil
}

// assumeRole refuses what would change the session's permissions or
// attributes (session policies, session tags, source identity) rather than
// ignore it. ExternalId, SerialNumber and TokenCode are accepted and not
// used: a trust policy conditioned on them denies, which is the safe side.
func (h *handler) assumeRole(ctx context.Context, c *iamsvc.Credential, p awsquery.Params) (any, error) {
	roleARN, err := p.Required("RoleArn")
	if err != nil {
		return nil, err
	}
	session, err := p.Required("RoleSessionName")
	if err != nil {
		return nil, err
	}
	duration, err := p.IntRange("DurationSeconds", 900, 43200)
	if err != nil {
		return nil, err
	}
	if err := p.Refuse("Policy", "PolicyArns", "Tags", "TransitiveTagKeys", "SourceIdentity", "ProvidedContexts"); err != nil {
		return nil, err
	}
	sc, err := h.svc.AssumeRole(ctx, c, roleARN, session, duration)
	if err != nil {
		return nil, err
	}
	return assumeRoleResult{
		Credentials: credentialsXML{AccessKeyId: sc.AccessKeyID, SecretAccessKey: sc.SecretAccessKey,
			SessionToken: sc.SessionToken, Expiration: awsquery.FormatTime(sc.Expiration)},
		AssumedRoleUser: assumedRoleUserXML{AssumedRoleId: sc.AssumedRoleID, Arn: sc.AssumedRoleARN},
	}, nil
}
