"""Who is calling: WeChat login and real-name binding for claimants, SMS-code login for
employer contacts, password login for staff; sessions, assurance levels and roles."""
