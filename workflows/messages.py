"""Every message a workflow takes, by the name Temporal knows it by: the one place to look.

The names are in recorded histories and in the requests of running workflows, so they
never change, whatever the handler's method is called. Clients call handlers by method
(`handle.execute_update(ParticipantWorkflow.decide, ...)`), so a retyped handler
fails type checking, not production; workflows signal each other by these names, because
importing each other's classes would make the modules import in a circle. Signals and
queries are declared with these names; an Update takes its method's name (the SDK types a
named async handler's result wrongly), and tests/replay/test_message_names.py holds every
handler to the name here, so renaming a method fails a test.
"""

from __future__ import annotations

# ParticipantWorkflow (`participant-<id>`)
PARTICIPANT_STATE = "state"  # query: the participant's state
DECIDE = "decide"  # update: a person answers one of the participant's tasks
DECIDE_BY_SIGNAL = "decide_by_signal"  # the same, for callers that cannot wait
REASSIGN = "reassign"  # update
DELEGATE = "delegate"  # update
RAISE_CONCERN = "raise_concern"  # update
SUBMIT_TIMESHEET = "submit_timesheet"  # update
CHANGE_PROGRAMME = "change_programme"  # update
# The participant's own work, and the signatures of progress reviews (programme 2026.1 on)
ADD_EVIDENCE = "add_evidence"  # update: an item of evidence for a Care Certificate standard
SUBMIT_EVIDENCE = "submit_evidence"  # update: a standard's evidence handed in for sign-off
SUBMIT_REPORT = "submit_report"  # update: an outplacement report handed in for review
DRAFT_REVIEW = "draft_review"  # update: the Development Lead fills in a review's form
SIGN_REVIEW = "sign_review"  # update
SEND_BACK_REVIEW = "send_back_review"  # update
RECORD_SESSION = "record_session"  # update: the coach or mentor records a session held
GIVE_FEEDBACK = "give_feedback"  # update: a rating, survey or LQF assessment answered
RECORD_CARE_FEEDBACK = "record_care_feedback"  # update: ops record people receiving care
APPLY_INTERVENTION_OUTCOME = "apply_intervention_outcome"  # signal, from the case's workflow

# CohortWorkflow (`cohort-<id>`)
PARTICIPANT_PROGRESSED = "participant_progressed"  # signal, from each participant's workflow
COHORT_SUMMARY = "summary"  # query
COHORT_STATE = "state"  # query
RECORD_ATTENDANCE = "record_attendance"  # update: ops record who attended a conference

# AlumniWorkflow (`alumni-<person>`)
ALUMNI_RECORD = "record"  # query: the alumni record
ANSWER_CHECK_IN = "answer_check_in"  # update: the alumnus answers a check-in (one-click link)
RECORD_RM_REGISTRATION = "record_rm_registration"  # update: registered with CQC as RM

# InterventionWorkflow (`intervention-<participant>-<n>`)
CASE = "case"  # query: the case file
PROPOSE = "propose"  # update: the Development Lead's outcome
PROPOSE_BY_SIGNAL = "propose_by_signal"
REVIEW = "review"  # update: ops approve or send back
REVIEW_BY_SIGNAL = "review_by_signal"
