// SwiftPM needs a source file in every C target; this one only exports its header.
