"""Name pools for the synthetic directory (common, culturally mixed, ASCII only for clean emails)."""

FIRST_NAMES = (
    "James Mary Robert Patricia John Jennifer Michael Linda David Elizabeth William Barbara Richard Susan "
    "Joseph Jessica Thomas Sarah Charles Karen Christopher Lisa Daniel Nancy Matthew Betty Anthony Sandra "
    "Mark Margaret Donald Ashley Steven Kimberly Andrew Emily Paul Donna Joshua Michelle Kenneth Carol "
    "Kevin Amanda Brian Melissa George Deborah Timothy Stephanie Ronald Rebecca Jason Sharon Edward Laura "
    "Jeffrey Cynthia Ryan Amy Jacob Kathleen Gary Angela Nicholas Shirley Eric Anna Jonathan Brenda "
    "Stephen Pamela Larry Emma Justin Nicole Scott Helen Brandon Samantha Benjamin Katherine Samuel "
    "Christine Aisha Wei Priya Carlos Sofia Mateo Yuki Olga Ahmed Fatima Luca Chiara Jonas Ingrid Arjun "
    "Mei Diego Lucia Kwame Amara Noah Zara Omar Leila Hiroshi Ana Pedro Ines Tomasz Katarzyna"
).split()

LAST_NAMES = (
    "Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez Lopez Gonzalez "
    "Wilson Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson White Harris Sanchez Clark "
    "Ramirez Lewis Robinson Walker Young Allen King Wright Scott Torres Nguyen Hill Flores Green Adams "
    "Nelson Baker Hall Rivera Campbell Mitchell Carter Roberts Gomez Phillips Evans Turner Diaz Parker "
    "Cruz Edwards Collins Reyes Stewart Morris Morales Murphy Cook Rogers Gutierrez Ortiz Morgan Cooper "
    "Peterson Bailey Reed Kelly Howard Ramos Kim Cox Ward Richardson Watson Brooks Chavez Wood James "
    "Bennett Gray Mendoza Ruiz Hughes Price Alvarez Castillo Sanders Patel Myers Long Ross Foster Okafor "
    "Mensah Tanaka Sato Chen Wang Singh Kumar Novak Kowalski Rossi Bianchi Schmidt Muller Larsen Silva"
).split()

OFFICE_LOCATIONS = ("Austin", "Chicago", "London", "Lisbon", "Remote", "Toronto")

TICKET_SUBJECTS = (
    "Cannot log in to the dashboard", "Invoice shows the wrong amount", "Export to CSV fails",
    "Password reset email not received", "How do I add a new user?", "API returns 500 on upload",
    "Refund request", "Feature request: dark mode", "Integration stopped syncing", "Billing address change",
    "Account locked after MFA change", "Slow page loads since yesterday",
)
TICKET_TAGS = ("billing", "login", "api", "integration", "refund", "bug", "how_to", "vip", "mobile", "sso")
