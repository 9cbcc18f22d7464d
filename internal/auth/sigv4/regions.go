package sigv4

import "regexp"

// AWSRegions, as an entry of Verifier.Regions, accepts every region name
// of the AWS partitions: what an SDK user's AWS_REGION may be set to.
const AWSRegions = "aws"

// awsRegionName matches the region names of every AWS partition (aws,
// aws-cn, aws-us-gov, the ISO partitions and aws-eusc), as the SDKs'
// partition metadata (partitions.json, regionRegex) spells them, so a
// region that opens later is accepted too.
var awsRegionName = regexp.MustCompile(`^(?:` +
	`(?:us|eu|ap|sa|ca|me|af|il|mx)-\w+-\d+` + // aws
	`|cn-\w+-\d+` + // aws-cn
	`|us-gov-\w+-\d+` + // aws-us-gov
	`|us-iso[bf]?-\w+-\d+` + // aws-iso, aws-iso-b, aws-iso-f
	`|eu-isoe-\w+-\d+` + // aws-iso-e
	`|eusc-de-\w+-\d+` + // aws-eusc
	`)$`)

// IsAWSRegion reports whether name is a region name of an AWS partition.
func IsAWSRegion(name string) bool { return awsRegionName.MatchString(name) }
