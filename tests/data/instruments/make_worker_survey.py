"""Write worker_survey_made.xlsx: a MADE KoboToolbox-style XLSForm (fictional, bilingual).

Run from the repository root: ``python tests/data/instruments/make_worker_survey.py``.
It exercises what `mwsn codebook import` reads from an XLSForm: labels per language
(``label::English (en)``, ``label::Français (fr)``), a group (its ``relevant`` applies to every
question in it), select_one/select_multiple, ``required``, ``relevant`` skip patterns, start/end
metadata, a question named otherwise than the codebook (``who`` = stakeholder_group, matched by
its label), a Likert list with the agreement scale's levels plus "Don't know", and questions the
codebook does not know (kept as extra variables).
"""

from pathlib import Path

from openpyxl import Workbook

SURVEY = [
    ("type", "name", "label::English (en)", "label::Français (fr)", "required", "relevant"),
    ("start", "start", "", "", "", ""),
    ("end", "end", "", "", "", ""),
    ("select_one consent", "consent", "Do you agree to take part?",
     "Acceptez-vous de participer?", "yes", ""),
    ("begin_group", "grp_profile", "About you", "À propos de vous", "", "${consent} = 'yes'"),
    ("select_one group", "who", "Stakeholder group", "Groupe d'intervenants", "yes", ""),
    ("select_multiple langs", "languages_spoken", "Languages you speak",
     "Langues que vous parlez", "", ""),
    ("end_group", "", "", "", "", ""),
    ("select_one agree5", "know_rights",
     "I know more about my rights at work because of Network activities",
     "Je connais mieux mes droits au travail grâce aux activités du Réseau", "yes",
     "${who} = 'migrant_worker'"),
    ("select_one yn", "help_received", "Did you receive help from a support organization?",
     "Avez-vous reçu de l'aide d'un organisme de soutien?", "", "${consent} = 'yes'"),
    ("text", "help_details", "What help did you receive?", "Quelle aide avez-vous reçue?",
     "", "${help_received} = 'yes'"),
    ("integer", "months_in_canada", "Months in Canada", "Mois au Canada", "", ""),
    ("text", "email", "E-mail", "Courriel", "yes", ""),
    ("text", "comments", "Comments", "Commentaires", "", ""),
]
CHOICES = [
    ("list_name", "name", "label::English (en)", "label::Français (fr)"),
    ("consent", "yes", "Yes, I agree to take part", "Oui, j'accepte de participer"),
    ("consent", "no", "No, I do not agree", "Non, je refuse"),
    ("group", "migrant_worker", "Migrant worker", "Travailleur migrant"),
    ("group", "support_organization", "Support organization", "Organisme de soutien"),
    ("group", "employer", "Employer", "Employeur"),
    ("group", "government", "Government", "Gouvernement"),
    ("group", "other", "Other stakeholder", "Autre intervenant"),
    ("langs", "es", "Spanish", "Espagnol"),
    ("langs", "tl", "Tagalog", "Tagalog"),
    ("langs", "en", "English", "Anglais"),
    ("langs", "fr", "French", "Français"),
    ("agree5", "1", "Strongly disagree", "Fortement en désaccord"),
    ("agree5", "2", "Disagree", "En désaccord"),
    ("agree5", "3", "Neither agree nor disagree", "Ni en accord ni en désaccord"),
    ("agree5", "4", "Agree", "D'accord"),
    ("agree5", "5", "Strongly agree", "Fortement d'accord"),
    ("agree5", "dont_know", "Don't know", "Je ne sais pas"),
    ("yn", "yes", "Yes", "Oui"),
    ("yn", "no", "No", "Non"),
]
SETTINGS = [("form_title", "form_id", "default_language"),
            ("Worker survey (made fixture)", "worker_survey_made", "English (en)")]


def main() -> None:
    book = Workbook()
    for index, (title, rows) in enumerate((("survey", SURVEY), ("choices", CHOICES),
                                           ("settings", SETTINGS))):
        sheet = book.active if index == 0 else book.create_sheet()
        sheet.title = title
        for row in rows:
            sheet.append(row)
    book.save(Path(__file__).with_name("worker_survey_made.xlsx"))


if __name__ == "__main__":
    main()
