"""异议与纠错: objections against the e-form, a decision or a suspension; reply clocks in
working days; record corrections approved by a second person."""
