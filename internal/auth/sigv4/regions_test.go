package sigv4

import "testing"

func TestIsAWSRegion(t *testing.T) {
	for _, r := range []string{
		"us-east-1", "eu-west-1", "ap-southeast-5", "ap-east-2", "mx-central-1", "il-central-1", "ca-west-1",
		"cn-north-1", "cn-northwest-1", "us-gov-west-1", "us-iso-east-1", "us-isob-east-1", "us-isof-south-1",
		"eu-isoe-west-1", "eusc-de-east-1",
		"us-west-9", // a region that opens later
	} {
		if !IsAWSRegion(r) {
			t.Errorf("%s refused", r)
		}
	}
	for _, r := range []string{
		"", "aws-global", "local", "us-east", "mars-east-1", "us-east-1a", "US-EAST-1", " us-east-1", "us-east-1\n",
		"eusc-fr-east-1", "xx-east-1",
	} {
		if IsAWSRegion(r) {
			t.Errorf("%q accepted", r)
		}
	}
}

func TestVerifierAcceptsAWSRegions(t *testing.T) {
	v := &Verifier{Regions: []string{AWSRegions}}
	if !v.regionAccepted("eu-west-1") || !v.regionAccepted("us-gov-east-1") || v.regionAccepted("moon-1") {
		t.Error("the AWS partitions' regions are not what the verifier accepts")
	}
	v = &Verifier{Regions: []string{"eu-west-1"}}
	if v.regionAccepted("us-east-1") || !v.regionAccepted("eu-west-1") {
		t.Error("an explicit region list is not a restriction")
	}
}
